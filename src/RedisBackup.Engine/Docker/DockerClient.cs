using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Docker;

/// <summary>
/// A small Docker Engine API client over the unix socket, the Windows named pipe, or TCP (TLS): the container calls
/// the engine makes (list, inspect, stop, start, exec, archive, logs). The HTTP plumbing under them is in DockerClient.Http.cs.
/// </summary>
internal sealed partial class DockerClient : IDisposable
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
