using System.Globalization;
using System.Text.RegularExpressions;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Docker;

/// <summary>
/// Runs <c>redis-cli</c> inside a container through exec, reaching the server on the port and with the password
/// the container was started with (--port / --requirepass in its command line, REDIS_PASSWORD or REDISCLI_AUTH in its environment).
/// </summary>
internal sealed partial class ContainerRedisCli
{
    private readonly DockerClient _docker;
    private readonly string[] _prefix;
    private readonly string[] _env;

    private ContainerRedisCli(DockerClient docker, string container, int? port, string? password)
    {
        _docker = docker;
        Container = container;
        _prefix = port is null ? ["redis-cli", "--no-auth-warning"] : ["redis-cli", "--no-auth-warning", "-p", port.Value.ToString(CultureInfo.InvariantCulture)];
        _env = password is null ? [] : ["REDISCLI_AUTH=" + password];
    }

    public string Container { get; }

    /// <summary>Builds the invocation for a running container; <paramref name="password"/> overrides what the container reveals.</summary>
    public static ContainerRedisCli For(DockerClient docker, ContainerInfo info, string? password = null)
    {
        var args = new List<string> { info.Path };
        args.AddRange(info.Args);
        int? port = null;
        string? found = null;
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == "--port" && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0) port = p;
            if (args[i] == "--requirepass") found = args[i + 1];
        }
        // REDISCLI_AUTH in the container's environment reaches redis-cli by itself; REDIS_PASSWORD is the common image convention.
        if (found is null && info.Env.FirstOrDefault(e => e.StartsWith("REDISCLI_AUTH=", StringComparison.Ordinal)) is null)
            found = info.Env.FirstOrDefault(e => e.StartsWith("REDIS_PASSWORD=", StringComparison.Ordinal))?["REDIS_PASSWORD=".Length..];
        return new ContainerRedisCli(docker, info.Name, port, password ?? (string.IsNullOrEmpty(found) ? null : found));
    }

    /// <summary>Runs one command; returns its raw output (trailing newline removed) or throws on an error reply.</summary>
    public async Task<string> RunAsync(CancellationToken ct, params string[] command)
    {
        var result = await TryRunAsync(ct, command).ConfigureAwait(false);
        if (result.Error is not null) throw ErrorReply(command, result.Error);
        return result.Output;
    }

    /// <summary>Runs one command; an error reply is returned rather than thrown (transport and auth failures still throw).</summary>
    public async Task<(string Output, string? Error)> TryRunAsync(CancellationToken ct, params string[] command)
    {
        var exec = await _docker.ExecAsync(Container, [.. _prefix, .. command], _env, ct).ConfigureAwait(false);
        var stdout = exec.StdoutText.TrimEnd('\r', '\n');
        var stderr = exec.StderrText.Trim();
        if (exec.ExitCode is 126 or 127)
        {
            // The runtime answers 126 both for a missing program and for a container that has just stopped.
            var info = await _docker.InspectContainerAsync(Container, ct).ConfigureAwait(false);
            if (!info.Running)
                throw new RedisBackupException(ErrorKind.NotSupported, "ContainerNotRunning", $"Container '{Container}' stopped (it is {info.Status}, exit code {info.ExitCode}).", Container);
            throw new RedisBackupException(ErrorKind.NotSupported, "RedisCliMissing",
                $"Container '{Container}' has no runnable redis-cli ({FirstLine(stdout + " " + stderr)}). Back it up over its port instead (a replication snapshot).", Container);
        }
        if (stderr.StartsWith("AUTH failed", StringComparison.Ordinal) || stdout.StartsWith("NOAUTH", StringComparison.Ordinal) || stdout.StartsWith("WRONGPASS", StringComparison.Ordinal))
            throw new RedisBackupException(ErrorKind.AuthenticationFailed, "RedisAuthenticationFailed",
                $"Redis in container '{Container}' needs a password that was not found or is wrong ({FirstLine(stderr.Length > 0 ? stderr : stdout)}). Set REDISCLI_AUTH in the container's environment or pass the password.", Container);
        if (stdout.Length == 0 && exec.ExitCode != 0)
            throw new RedisBackupException(ErrorKind.ConnectionFailed, "ContainerRedisUnreachable",
                $"redis-cli in container '{Container}' could not talk to Redis: {FirstLine(stderr)} (exit code {exec.ExitCode}).", Container);
        if (ErrorLine().IsMatch(stdout)) return ("", FirstLine(stdout));
        return (stdout, null);
    }

    /// <summary>INFO &lt;section&gt; as field → value.</summary>
    public async Task<Dictionary<string, string>> InfoAsync(string section, CancellationToken ct)
    {
        var text = await RunAsync(ct, "INFO", section).ConfigureAwait(false);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (line.Length == 0 || line[0] == '#' || colon < 0) continue;
            fields[line[..colon]] = line[(colon + 1)..];
        }
        return fields;
    }

    /// <summary>CONFIG GET of one parameter.</summary>
    public async Task<string> ConfigGetAsync(string parameter, CancellationToken ct)
    {
        var lines = (await RunAsync(ct, "CONFIG", "GET", parameter).ConfigureAwait(false)).Split('\n');
        if (lines.Length < 2 || !string.Equals(lines[0].TrimEnd('\r'), parameter, StringComparison.OrdinalIgnoreCase))
            throw new RedisBackupException(ErrorKind.ProtocolError, "ContainerRedisConfigUnreadable",
                $"Redis in container '{Container}' did not report its '{parameter}' setting (CONFIG GET {parameter}).", Container);
        return lines[1].TrimEnd('\r');
    }

    /// <summary>Keys in all databases, from INFO keyspace (dbN:keys=..,expires=..).</summary>
    public async Task<long> TotalKeysAsync(CancellationToken ct)
    {
        long total = 0;
        foreach (var (name, value) in await InfoAsync("keyspace", ct).ConfigureAwait(false))
        {
            if (!name.StartsWith("db", StringComparison.Ordinal)) continue;
            foreach (var part in value.Split(','))
            {
                if (part.StartsWith("keys=", StringComparison.Ordinal)) total += long.Parse(part.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }
        return total;
    }

    public RedisBackupException ErrorReply(string[] command, string error)
        => new(ErrorKind.ServerError, "ContainerRedisError", $"Redis in container '{Container}' refused {string.Join(' ', command)}: {error}", Container);

    private static string FirstLine(string text)
    {
        var t = text.Trim();
        var nl = t.IndexOf('\n', StringComparison.Ordinal);
        return (nl >= 0 ? t[..nl] : t).TrimEnd('\r');
    }

    /// <summary>redis-cli prints an error reply as "CODE message" (ERR, NOAUTH, LOADING, BUSY, …) and still exits 0.</summary>
    [GeneratedRegex(@"\A[A-Z][A-Z_]+ \S")]
    private static partial Regex ErrorLine();
}
