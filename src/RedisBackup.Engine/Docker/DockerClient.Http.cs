using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Docker;

// The HTTP plumbing under the container calls: the API version (negotiated once), versioned requests, JSON
// bodies, and every failure (transport, status, body) mapped to a RedisBackupException.
internal sealed partial class DockerClient
{
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
            // 409 from most calls; exec start on a container that has just exited answers 500 with the same words.
            HttpStatusCode.Conflict or HttpStatusCode.InternalServerError when message.Contains("not running", StringComparison.OrdinalIgnoreCase) || message.Contains("paused", StringComparison.OrdinalIgnoreCase)
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
}
