using System.Globalization;
using System.Text.RegularExpressions;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Docker;

/// <summary>
/// Runs <c>redis-cli</c> inside a container through exec, reaching the server on the port it starts with and with the
/// password (and ACL user) given by the user, else the one the container reveals (--requirepass in its command line,
/// REDIS_PASSWORD or REDISCLI_AUTH in its environment). A password always goes through the exec's environment
/// (REDISCLI_AUTH), never the command line. A container without <c>redis-cli</c> gets <c>valkey-cli</c>: Valkey
/// images built without the redis-* links (USE_REDIS_SYMLINKS=no) have only that name.
/// </summary>
internal sealed partial class ContainerRedisCli
{
    private const string RedisCli = "redis-cli";
    private const string ValkeyCli = "valkey-cli";

    private readonly DockerClient _docker;
    private readonly CliProgram _program;
    private readonly string[] _options;
    private readonly string[] _env;

    private ContainerRedisCli(DockerClient docker, string container, int? port, string? user, string? password)
    {
        _docker = docker;
        Container = container;
        _program = new CliProgram();
        var options = new List<string> { "--no-auth-warning" };
        if (port is not null) options.AddRange(["-p", port.Value.ToString(CultureInfo.InvariantCulture)]);
        if (user is not null) options.AddRange(["--user", user]);
        _options = [.. options];
        _env = password is null ? [] : ["REDISCLI_AUTH=" + password];
    }

    /// <summary>The cli's name in this container, shared by the invocations for other databases.</summary>
    private sealed class CliProgram
    {
        public string Name { get; set; } = RedisCli;
    }

    public string Container { get; }

    /// <summary>
    /// Builds the invocation for a running container. <paramref name="credentials"/> (given by the user) win over what
    /// the container reveals; <paramref name="port"/> (from its start-up configuration) over a --port on its command line.
    /// </summary>
    public static ContainerRedisCli For(DockerClient docker, ContainerInfo info, ContainerCredentials? credentials = null, int? port = null)
    {
        var args = new List<string> { info.Path };
        args.AddRange(info.Args);
        int? cmdPort = null;
        string? found = null;
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == "--port" && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0) cmdPort = p;
            if (args[i] == "--requirepass") found = args[i + 1];
        }
        // REDISCLI_AUTH in the container's environment reaches redis-cli by itself; REDIS_PASSWORD is the common image convention.
        if (found is null && info.Env.FirstOrDefault(e => e.StartsWith("REDISCLI_AUTH=", StringComparison.Ordinal)) is null)
            found = info.Env.FirstOrDefault(e => e.StartsWith("REDIS_PASSWORD=", StringComparison.Ordinal))?["REDIS_PASSWORD=".Length..];
        var password = credentials?.Password ?? (string.IsNullOrEmpty(found) ? null : found);
        return new ContainerRedisCli(docker, info.Name, port ?? cmdPort, credentials?.User, password);
    }

    /// <summary>The same invocation against database <paramref name="database"/> (redis-cli -n).</summary>
    public ContainerRedisCli InDatabase(int database) => database == 0 ? this : new ContainerRedisCli(this, database);

    private ContainerRedisCli(ContainerRedisCli other, int database)
    {
        _docker = other._docker;
        Container = other.Container;
        _program = other._program;
        _options = [.. other._options, "-n", database.ToString(CultureInfo.InvariantCulture)];
        _env = other._env;
    }

    /// <summary>
    /// Runs the cli with <paramref name="command"/>. When redis-cli cannot be run in a running container, valkey-cli is
    /// tried once, and used from then on when it can.
    /// </summary>
    private async Task<ExecResult> ExecAsync(string[] command, CancellationToken ct)
    {
        var exec = await _docker.ExecAsync(Container, [_program.Name, .. _options, .. command], _env, ct).ConfigureAwait(false);
        if (exec.ExitCode is not (126 or 127) || _program.Name != RedisCli) return exec;
        if (!(await _docker.InspectContainerAsync(Container, ct).ConfigureAwait(false)).Running) return exec;
        var valkey = await _docker.ExecAsync(Container, [ValkeyCli, .. _options, .. command], _env, ct).ConfigureAwait(false);
        if (valkey.ExitCode is 126 or 127) return exec;
        _program.Name = ValkeyCli;
        return valkey;
    }

    /// <summary>Runs one command and returns redis-cli's raw standard output (a bulk reply's exact bytes plus one newline).</summary>
    public async Task<byte[]> RunRawAsync(CancellationToken ct, params string[] command)
    {
        var exec = await ExecAsync(command, ct).ConfigureAwait(false);
        if (exec.ExitCode != 0 || exec.StderrText.Trim().Length > 0)
        {
            var (_, error) = await TryRunAsync(ct, command).ConfigureAwait(false); // maps transport and auth failures
            if (error is not null) throw ErrorReply(command, error);
        }
        return exec.Stdout;
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
        var exec = await ExecAsync(command, ct).ConfigureAwait(false);
        var stdout = exec.StdoutText.TrimEnd('\r', '\n');
        var stderr = exec.StderrText.Trim();
        if (exec.ExitCode is 126 or 127)
        {
            // The runtime answers 126 both for a missing program and for a container that has just stopped.
            var info = await _docker.InspectContainerAsync(Container, ct).ConfigureAwait(false);
            if (!info.Running)
                throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ContainerNotRunning, $"Container '{Container}' stopped (it is {info.Status}, exit code {info.ExitCode}).", Container);
            throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.RedisCliMissing,
                $"Container '{Container}' has no runnable redis-cli or valkey-cli ({FirstLine(stdout + " " + stderr)}). Back it up over its port instead (a replication snapshot).", Container);
        }
        if (stderr.StartsWith("AUTH failed", StringComparison.Ordinal) || stdout.StartsWith("NOAUTH", StringComparison.Ordinal) || stdout.StartsWith("WRONGPASS", StringComparison.Ordinal))
            throw new RedisBackupException(ErrorKind.AuthenticationFailed, ErrorIds.RedisAuthenticationFailed,
                $"Redis in container '{Container}' needs a password that was not found or is wrong ({FirstLine(stderr.Length > 0 ? stderr : stdout)}). " +
                "Give it as for a server: REDISCLI_AUTH, --password-stdin or --password (with --user for an ACL user) on the command line, -Credential in PowerShell; it reaches redis-cli inside the container through its environment.", Container);
        if (stdout.Length == 0 && exec.ExitCode != 0)
            throw new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.ContainerRedisUnreachable,
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
            throw new RedisBackupException(ErrorKind.ProtocolError, ErrorIds.ContainerRedisConfigUnreadable,
                $"Redis in container '{Container}' did not report its '{parameter}' setting (CONFIG GET {parameter}).", Container);
        return lines[1].TrimEnd('\r');
    }

    /// <summary>Keys in all databases, from INFO keyspace (dbN:keys=..,expires=..).</summary>
    public async Task<long> TotalKeysAsync(CancellationToken ct) => (await KeysPerDatabaseAsync(ct).ConfigureAwait(false)).Values.Sum();

    /// <summary>Keys per database that holds any, from INFO keyspace.</summary>
    public async Task<Dictionary<int, long>> KeysPerDatabaseAsync(CancellationToken ct)
    {
        var result = new Dictionary<int, long>();
        foreach (var (name, value) in await InfoAsync("keyspace", ct).ConfigureAwait(false))
        {
            if (!name.StartsWith("db", StringComparison.Ordinal) || !int.TryParse(name.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var db)) continue;
            foreach (var part in value.Split(','))
            {
                if (part.StartsWith("keys=", StringComparison.Ordinal)) result[db] = long.Parse(part.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }
        return result;
    }

    public RedisBackupException ErrorReply(string[] command, string error)
        => new(ErrorKind.ServerError, ErrorIds.ContainerRedisError, $"Redis in container '{Container}' refused {string.Join(' ', command)}: {error}", Container);

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
