using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Docker;

/// <summary>One container as listed by the engine.</summary>
public sealed record ContainerSummary(string Id, string Name, string Image, string State);

/// <summary>A small Docker Engine API client over the unix socket, the Windows named pipe, or TCP (TLS).</summary>
internal sealed class DockerClient : IDisposable
{
    /// <summary>Default grace period for stop: long enough for Redis to write its final RDB on SIGTERM.</summary>
    public static readonly TimeSpan DefaultStopGrace = TimeSpan.FromSeconds(60);

    private const int MaxExecOutput = 16 << 20;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _versionLock = new(1, 1);
    private string? _versionPrefix;

    private DockerClient(DockerHost host)
    {
        Host = host;
        _http = new HttpClient(DockerHttpHandler.Create(host), disposeHandler: true)
        {
            BaseAddress = DockerHttpHandler.BaseAddress(host),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (host.ApiVersion is not null) _versionPrefix = "/v" + host.ApiVersion.TrimStart('v');
    }

    /// <summary>The engine this client talks to.</summary>
    public DockerHost Host { get; }

    /// <summary>Honours DOCKER_HOST, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY; defaults to the platform's local engine.</summary>
    public static DockerClient FromEnvironment(Func<string, string?>? environment = null) => new(DockerHost.FromEnvironment(environment));

    /// <summary>A client for an explicit endpoint.</summary>
    public static DockerClient Create(DockerHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new DockerClient(host);
    }

    /// <summary>The API version in use: DOCKER_API_VERSION, else min(this client's, the engine's) from <c>/_ping</c>.</summary>
    public async Task<string> GetApiVersionAsync(CancellationToken cancellationToken = default)
        => (await VersionPrefixAsync(cancellationToken).ConfigureAwait(false))[2..];

    /// <summary>Containers known to the engine (running only by default); used by argument completion.</summary>
    public async Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(bool all = false, CancellationToken cancellationToken = default)
    {
        var json = await GetJsonAsync($"/containers/json?all={(all ? "1" : "0")}", null, cancellationToken).ConfigureAwait(false);
        var list = new List<ContainerSummary>();
        foreach (var item in json.AsArray())
        {
            if (item is null) continue;
            var names = item["Names"]?.AsArray();
            var name = names is { Count: > 0 } ? names[0]!.GetValue<string>().TrimStart('/') : Str(item, "Id");
            list.Add(new ContainerSummary(Str(item, "Id"), name, Str(item, "Image"), Str(item, "State")));
        }
        return list;
    }

    /// <summary>Inspects a container by name or id; NotFound (ContainerNotFound) when there is none.</summary>
    public async Task<ContainerInfo> InspectContainerAsync(string container, CancellationToken cancellationToken = default)
    {
        var json = await GetJsonAsync($"/containers/{Escape(container)}/json", container, cancellationToken).ConfigureAwait(false);
        var state = json["State"];
        var config = json["Config"];
        var ports = new List<PublishedPort>();
        if (json["NetworkSettings"]?["Ports"] is JsonObject portMap)
        {
            foreach (var (key, bindings) in portMap)
            {
                if (bindings is not JsonArray array) continue;
                var slash = key.IndexOf('/', StringComparison.Ordinal);
                var containerPort = int.Parse(slash >= 0 ? key[..slash] : key, CultureInfo.InvariantCulture);
                var protocol = slash >= 0 ? key[(slash + 1)..] : "tcp";
                foreach (var b in array)
                {
                    if (b is null || !int.TryParse(Str(b, "HostPort"), NumberStyles.None, CultureInfo.InvariantCulture, out var hostPort)) continue;
                    ports.Add(new PublishedPort(containerPort, protocol, Str(b, "HostIp"), hostPort));
                }
            }
        }
        return new ContainerInfo
        {
            Id = Str(json, "Id"),
            Name = Str(json, "Name").TrimStart('/'),
            Image = config is null ? "" : Str(config, "Image"),
            Status = state is null ? "" : Str(state, "Status"),
            Running = state?["Running"]?.GetValue<bool>() ?? false,
            ExitCode = state?["ExitCode"]?.GetValue<int>() ?? 0,
            Path = Str(json, "Path"),
            Args = Strings(json["Args"]),
            Env = Strings(config?["Env"]),
            User = config is null ? "" : Str(config, "User"),
            WorkingDir = config is null ? "" : Str(config, "WorkingDir"),
            Tty = config?["Tty"]?.GetValue<bool>() ?? false,
            Ports = ports,
        };
    }

    /// <summary>Stops a container, giving its process <paramref name="grace"/> after SIGTERM before SIGKILL. Already stopped is fine.</summary>
    public async Task StopContainerAsync(string container, TimeSpan? grace = null, CancellationToken cancellationToken = default)
    {
        var seconds = (int)Math.Ceiling((grace ?? DefaultStopGrace).TotalSeconds);
        using var response = await SendAsync(HttpMethod.Post, $"/containers/{Escape(container)}/stop?t={seconds.ToString(CultureInfo.InvariantCulture)}", null, container, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a container. Already running is fine.</summary>
    public async Task StartContainerAsync(string container, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/containers/{Escape(container)}/start", null, container, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a command in a running container and returns its exit code and demultiplexed output.</summary>
    public async Task<ExecResult> ExecAsync(string container, IReadOnlyList<string> command, IReadOnlyList<string>? environment = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var body = new JsonObject
        {
            ["AttachStdin"] = false,
            ["AttachStdout"] = true,
            ["AttachStderr"] = true,
            ["Tty"] = false,
            ["Cmd"] = new JsonArray(command.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
        };
        if (environment is { Count: > 0 }) body["Env"] = new JsonArray(environment.Select(e => (JsonNode?)JsonValue.Create(e)).ToArray());

        var created = await PostJsonAsync($"/containers/{Escape(container)}/exec", body, container, cancellationToken).ConfigureAwait(false);
        var execId = Str(created, "Id");

        using var stdout = new BoundedBuffer(MaxExecOutput);
        using var stderr = new BoundedBuffer(MaxExecOutput);
        using (var start = await SendAsync(HttpMethod.Post, $"/exec/{execId}/start", Json(new JsonObject { ["Detach"] = false, ["Tty"] = false }), container, cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false))
        {
            var stream = await start.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
                await DockerStreamDemultiplexer.DemultiplexAsync(stream, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }

        // The output ends when the process does; the engine records the exit code a moment later.
        for (var attempt = 0; ; attempt++)
        {
            var inspect = await GetJsonAsync($"/exec/{execId}/json", container, cancellationToken).ConfigureAwait(false);
            var running = inspect["Running"]?.GetValue<bool>() ?? false;
            var exit = inspect["ExitCode"]?.GetValue<int?>();
            if (!running && exit is not null) return new ExecResult(exit.Value, stdout.ToArray(), stderr.ToArray());
            if (attempt > 200)
                throw new RedisBackupException(ErrorKind.Timeout, ErrorIds.DockerExecNoExitCode,
                    $"The command '{string.Join(' ', command)}' in container '{container}' finished its output but the engine reported no exit code.", container);
            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Size, mode and link target of a path inside a container, or null when it does not exist.</summary>
    public async Task<ContainerPathStat?> StatPathAsync(string container, string path, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, await UrlAsync($"/containers/{Escape(container)}/archive?path={Uri.EscapeDataString(path)}", cancellationToken).ConfigureAwait(false));
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            // HEAD has no body to tell "no such container" from "no such path": ask the container itself.
            await InspectContainerAsync(container, cancellationToken).ConfigureAwait(false);
            return null;
        }
        await EnsureSuccessAsync(response, container, cancellationToken).ConfigureAwait(false);
        return ParseStat(response);
    }

    /// <summary>Opens <c>GET /containers/{id}/archive?path=</c>: a tar of the path, streamed as it arrives. Dispose it when done.</summary>
    public async Task<ContainerArchive> GetArchiveAsync(string container, string path, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, $"/containers/{Escape(container)}/archive?path={Uri.EscapeDataString(path)}", null, container, cancellationToken, HttpCompletionOption.ResponseHeadersRead, pathForNotFound: path).ConfigureAwait(false);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ContainerArchive(response, stream, ParseStat(response));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends <paramref name="entries"/> as one tar to <c>PUT /containers/{id}/archive?path=DIR</c> (running or stopped
    /// container). Each entry replaces an existing one of its name. Returns the SHA-256 of the last file entry's data.
    /// </summary>
    /// <param name="progress">Bytes of file data sent so far.</param>
    public async Task<string?> PutArchiveAsync(string container, string directory, IReadOnlyList<ArchiveEntry> entries, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArchiveContent.Validate(entries);
        using var body = new ArchiveContent(entries, progress);
        try
        {
            using var response = await SendAsync(HttpMethod.Put, $"/containers/{Escape(container)}/archive?path={Uri.EscapeDataString(directory)}&noOverwriteDirNonDir=1", body, container, cancellationToken, pathForNotFound: directory).ConfigureAwait(false);
        }
        catch (Exception ex) when (body.Failure is { } failure && !ReferenceEquals(ex, failure) && failure is not OperationCanceledException)
        {
            // The HTTP layer wraps what went wrong while the body was written (a source that changed size): report that.
            if (failure is RedisBackupException) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            throw new RedisBackupException(ErrorKind.WriteFailed, ErrorIds.ContainerUploadFailed,
                $"Sending the archive to container '{container}' failed: {failure.Message}", container, failure);
        }
        return body.Sha256;
    }

    /// <summary>The last <paramref name="tail"/> lines of a container's stdout and stderr (non-TTY containers).</summary>
    public async Task<string> GetLogsAsync(string container, int tail = 100, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        // Output of a container without a TTY is multiplexed; with a TTY it is raw.
        var tty = (await InspectContainerAsync(container, cancellationToken).ConfigureAwait(false)).Tty;
        var query = $"/containers/{Escape(container)}/logs?stdout=1&stderr=1&tail={tail.ToString(CultureInfo.InvariantCulture)}";
        if (since is not null) query += "&since=" + since.Value.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var response = await SendAsync(HttpMethod.Get, query, null, container, cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        using var output = new BoundedBuffer(MaxExecOutput);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            if (tty)
                await stream.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            else
                await DockerStreamDemultiplexer.DemultiplexAsync(stream, output, output, cancellationToken).ConfigureAwait(false);
        }
        return Encoding.UTF8.GetString(output.ToArray());
    }

    public void Dispose()
    {
        _http.Dispose();
        _versionLock.Dispose();
    }

    // ---- Plumbing ----

    private async Task<string> VersionPrefixAsync(CancellationToken ct)
    {
        if (_versionPrefix is not null) return _versionPrefix;
        await _versionLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_versionPrefix is not null) return _versionPrefix;
            using var request = new HttpRequestMessage(HttpMethod.Get, "/_ping");
            using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            var header = response.Headers.TryGetValues("Api-Version", out var values) ? values.FirstOrDefault() : null;
            if (!response.IsSuccessStatusCode && header is null)
                throw new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.DockerUnreachable,
                    $"Cannot reach the Docker engine at {Host.Display}: /_ping answered {(int)response.StatusCode} {response.ReasonPhrase}.", Host.Display);
            _versionPrefix = "/v" + ApiVersionValue.Negotiate(header);
            return _versionPrefix;
        }
        finally
        {
            _versionLock.Release();
        }
    }

    private async Task<Uri> UrlAsync(string pathAndQuery, CancellationToken ct)
        => new(await VersionPrefixAsync(ct).ConfigureAwait(false) + pathAndQuery, UriKind.Relative);

    private async Task<JsonNode> GetJsonAsync(string pathAndQuery, string? container, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, pathAndQuery, null, container, ct).ConfigureAwait(false);
        return await ReadJsonAsync(response, ct).ConfigureAwait(false);
    }

    private async Task<JsonNode> PostJsonAsync(string pathAndQuery, JsonObject body, string? container, CancellationToken ct)
    {
        using var content = Json(body);
        using var response = await SendAsync(HttpMethod.Post, pathAndQuery, content, container, ct).ConfigureAwait(false);
        return await ReadJsonAsync(response, ct).ConfigureAwait(false);
    }

    private static async Task<JsonNode> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        try
        {
            return JsonNode.Parse(text) ?? throw new JsonException("empty reply");
        }
        catch (JsonException ex)
        {
            throw new RedisBackupException(ErrorKind.ProtocolError, ErrorIds.DockerReplyInvalid, $"The Docker engine sent a reply that is not JSON: {ex.Message}", null, ex);
        }
    }

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    /// <summary>Sends a versioned request and maps every non-success status to a <see cref="RedisBackupException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, HttpContent? content, string? container, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, string? pathForNotFound = null)
    {
        using var request = new HttpRequestMessage(method, await UrlAsync(pathAndQuery, ct).ConfigureAwait(false)) { Content = content };
        var response = await SendRawAsync(request, completion, ct).ConfigureAwait(false);
        try
        {
            await EnsureSuccessAsync(response, container, ct, pathForNotFound).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Sends a request; turns transport failures into "engine unreachable" / "permission denied".</summary>
    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken ct)
    {
        try
        {
            return await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw TransportError(ex);
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new RedisBackupException(ErrorKind.Timeout, ErrorIds.DockerTimeout, $"The Docker engine at {Host.Display} did not answer in time.", Host.Display, ex);
        }
    }

    internal RedisBackupException TransportError(Exception ex)
    {
        for (var inner = (Exception?)ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is UnauthorizedAccessException || inner is SocketException { SocketErrorCode: SocketError.AccessDenied })
            {
                var hint = Host.Transport == DockerTransport.Unix
                    ? " Add your user to the 'docker' group (then log in again) or run with rights to the socket."
                    : " Run with rights to the Docker engine.";
                return new RedisBackupException(ErrorKind.PermissionDenied, ErrorIds.DockerPermissionDenied,
                    $"Permission denied on the Docker engine at {Host.Display}.{hint}", Host.Display, ex);
            }
        }
        var reason = (ex.InnerException ?? ex).Message;
        return new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.DockerUnreachable,
            $"Cannot reach the Docker engine at {Host.Display}: {reason}. Is Docker running, and is DOCKER_HOST right?", Host.Display, ex);
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string? container, CancellationToken ct, string? path = null)
    {
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotModified) return;
        var message = await ErrorMessageAsync(response, ct).ConfigureAwait(false);
        var subject = container is null ? "" : $"'{container}'";
        throw response.StatusCode switch
        {
            HttpStatusCode.NotFound when message.Contains("No such container", StringComparison.OrdinalIgnoreCase) || path is null && container is not null
                => new RedisBackupException(ErrorKind.NotFound, ErrorIds.ContainerNotFound,
                    $"No container named {subject} exists on the Docker engine at {Host.Display}.", container),
            HttpStatusCode.NotFound when path is not null
                => new RedisBackupException(ErrorKind.NotFound, ErrorIds.ContainerPathNotFound, $"Container {subject} has no file or directory '{path}': {message}", container),
            HttpStatusCode.Conflict when message.Contains("not running", StringComparison.OrdinalIgnoreCase) || message.Contains("paused", StringComparison.OrdinalIgnoreCase)
                => new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ContainerNotRunning, $"Container {subject} is not running: {message}", container),
            HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized
                => new RedisBackupException(ErrorKind.PermissionDenied, ErrorIds.DockerPermissionDenied, $"The Docker engine refused the request for {subject}: {message}", container),
            HttpStatusCode.BadRequest when message.Contains("client version", StringComparison.OrdinalIgnoreCase)
                => new RedisBackupException(ErrorKind.NotSupported, ErrorIds.DockerApiVersionUnsupported, $"The Docker engine at {Host.Display} does not accept this API version: {message}", Host.Display),
            _ => new RedisBackupException(ErrorKind.ServerError, ErrorIds.DockerRequestFailed,
                $"The Docker engine answered {(int)response.StatusCode} {response.ReasonPhrase} for {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {message}", container),
        };
    }

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return "(no details)";
        }
        try
        {
            if (JsonNode.Parse(text)?["message"] is JsonNode m) return m.GetValue<string>();
        }
        catch (JsonException)
        {
        }
        return text.Trim().Length == 0 ? "(no details)" : text.Trim();
    }

    private static ContainerPathStat? ParseStat(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("X-Docker-Container-Path-Stat", out var values)) return null;
        try
        {
            var json = JsonNode.Parse(Convert.FromBase64String(values.First()));
            if (json is null) return null;
            var link = json["linkTarget"]?.GetValue<string>();
            return new ContainerPathStat(Str(json, "name"), json["size"]?.GetValue<long>() ?? 0, json["mode"]?.GetValue<uint>() ?? 0, string.IsNullOrEmpty(link) ? null : link);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string Escape(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.ContainerNameEmpty, "A container name or id is required.");
        return Uri.EscapeDataString(name);
    }

    private static string Str(JsonNode node, string property) => node[property] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    private static List<string> Strings(JsonNode? node)
        => node is JsonArray array ? array.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : "").ToList() : [];
}
