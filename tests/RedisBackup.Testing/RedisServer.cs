using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Testing;

/// <summary>Where and how <see cref="RedisServer.StartAsync(ServerVersion, RedisServerOptions, CancellationToken, string[])"/> starts a server.</summary>
public sealed record RedisServerOptions
{
    /// <summary>The start of the server's directory name (the benchmark names its servers: "source", "restore-…").</summary>
    public string Name { get; init; } = "redis";

    /// <summary>The folder the server's own directory is made in; the system temp folder's redisbackup-tests when null.</summary>
    public string? ParentDirectory { get; init; }

    /// <summary>The command timeout of <see cref="RedisServer.Endpoint"/>; the engine's default when null.</summary>
    public TimeSpan? CommandTimeout { get; init; }
}

/// <summary>
/// A real redis-server (or valkey-server) process on a free loopback port, with its own directory, no persistence and
/// DEBUG enabled: the harness of the tests and of the benchmark. Dispose stops it and deletes the directory; every
/// server still running is tracked, so <see cref="KillAll"/> (Ctrl+C, process exit) stops them all.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<RedisServer, byte> Live = new();
    private readonly Process _process;
    private readonly TimeSpan? _commandTimeout;
    private int _disposed;

    private RedisServer(Process process, int port, string directory, ServerVersion version, string name, TimeSpan? commandTimeout)
    {
        _process = process;
        Port = port;
        Directory = directory;
        Version = version;
        Name = name;
        _commandTimeout = commandTimeout;
    }

    /// <summary>Which build this is (Redis 7.0 from apt, or one of ../shared/servers).</summary>
    public ServerVersion Version { get; }

    /// <summary>The name it was started with (<see cref="RedisServerOptions.Name"/>).</summary>
    public string Name { get; }

    public int Port { get; }
    public string PortText => Port.ToString(CultureInfo.InvariantCulture);
    public string Directory { get; }

    /// <summary>The redis-server process id (for tests that stop, continue or kill it).</summary>
    public int ProcessId => _process.Id;

    public RedisEndpoint Endpoint => _commandTimeout is { } timeout
        ? new() { Host = "127.0.0.1", Port = Port, CommandTimeout = timeout }
        : new() { Host = "127.0.0.1", Port = Port };

    /// <summary>Sends a signal (STOP, CONT, KILL) to the redis-server process and waits for kill(1) to finish.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, ProcessId.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>Starts the apt redis-server (7.0) with: no save points, no AOF, DEBUG enabled, plus <paramref name="extraArgs"/> (e.g. "--requirepass", "pw").</summary>
    public static Task<RedisServer> StartAsync(params string[] extraArgs) => StartAsync(ServerVersions.Redis70, extraArgs);

    /// <summary>Starts a server of the given version by name ("redis-7.4", "valkey-8.0"); see <see cref="ServerVersions"/>.</summary>
    public static Task<RedisServer> StartVersionAsync(string version, params string[] extraArgs) => StartAsync(ServerVersions.Get(version), extraArgs);

    /// <summary>Starts a server of <paramref name="version"/> as <see cref="StartAsync(string[])"/> does; a missing build throws.</summary>
    public static Task<RedisServer> StartAsync(ServerVersion version, params string[] extraArgs)
        => StartAsync(version, new RedisServerOptions(), CancellationToken.None, extraArgs);

    /// <summary>Starts a server of <paramref name="version"/> with <paramref name="options"/>; a missing build throws.</summary>
    public static async Task<RedisServer> StartAsync(ServerVersion version, RedisServerOptions options, CancellationToken ct, params string[] extraArgs)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(extraArgs);
        ServerVersions.Require(version);
        var parent = options.ParentDirectory ?? Path.Combine(Path.GetTempPath(), "redisbackup-tests");
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreePort();
            var dir = Path.Combine(parent, $"{options.Name}-{port}-{Guid.NewGuid().ToString("N")[..8]}");
            System.IO.Directory.CreateDirectory(dir);
            var psi = new ProcessStartInfo(version.ServerPath)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir,
                         "--save", "", "--appendonly", "no", "--enable-debug-command", "yes", "--daemonize", "no",
                         "--logfile", Path.Combine(dir, "redis.log"), "--protected-mode", "no" })
                psi.ArgumentList.Add(a);
            foreach (var a in extraArgs) psi.ArgumentList.Add(a);
            var process = Process.Start(psi) ?? throw new InvalidOperationException($"{version.ServerPath} did not start.");
            var server = new RedisServer(process, port, dir, version, options.Name, options.CommandTimeout);
            Live[server] = 0;
            try
            {
                await server.WaitReadyAsync(PasswordFrom(extraArgs), ct).ConfigureAwait(false);
                return server;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                last = ex;
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        throw new InvalidOperationException($"Could not start {version.Name} ({version.ServerPath}, {options.Name}): " + last?.Message, last);
    }

    private async Task WaitReadyAsync(string? password, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (_process.HasExited)
                throw new InvalidOperationException($"{Version.ServerPath} exited with {_process.ExitCode}: {Log()} {_process.StandardOutput.ReadToEnd()} {_process.StandardError.ReadToEnd()}");
            try
            {
                await using var c = await RedisConnection.ConnectAsync(Endpoint with { Password = password, ConnectTimeout = TimeSpan.FromSeconds(1) }, ct).ConfigureAwait(false);
                if ((await c.ExecuteAsync(ct, "PING").ConfigureAwait(false)).AsString() == "PONG") return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !ct.IsCancellationRequested)
            {
            }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException("The server did not answer PING within 15 s: " + Log());
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    private static string? PasswordFrom(string[] args)
    {
        var i = Array.IndexOf(args, "--requirepass");
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public string Log()
    {
        try { return File.ReadAllText(Path.Combine(Directory, "redis.log")); } catch (IOException) { return "(no log)"; }
    }

    internal Task<RedisConnection> ConnectAsync(string? password = null)
        => RedisConnection.ConnectAsync(Endpoint with { Password = password });

    internal Task<RedisConnection> ConnectAsync(CancellationToken ct) => RedisConnection.ConnectAsync(Endpoint, ct);

    /// <summary>Runs one command on a new connection and returns the reply (errors thrown).</summary>
    internal async Task<RespValue> ExecuteAsync(CancellationToken ct, params RedisArg[] args)
    {
        await using var c = await ConnectAsync(ct).ConfigureAwait(false);
        return await c.ExecuteAsync(ct, args).ConfigureAwait(false);
    }

    /// <summary>Runs redis-cli against this server and returns its stdout (throws on a non-zero exit).</summary>
    public string Cli(params string[] args) => RunCli(null, args);

    /// <summary>Runs redis-cli with <paramref name="stdin"/> piped in (e.g. for --pipe).</summary>
    public string CliWithInput(byte[] stdin, params string[] args) => RunCli(stdin, args);

    private string RunCli(byte[]? stdin, string[] args)
    {
        var psi = new ProcessStartInfo(Version.CliPath) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        psi.ArgumentList.Add("-p");
        psi.ArgumentList.Add(PortText);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.BaseStream.Write(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} exited {p.ExitCode}: {stderr}");
        return stdout.Result;
    }

    /// <summary>DEBUG DIGEST of the whole dataset (all databases).</summary>
    public async Task<string> DigestAsync(string? password = null)
    {
        await using var c = await ConnectAsync(password).ConfigureAwait(false);
        return (await c.ExecuteAsync(CancellationToken.None, "DEBUG", "DIGEST").ConfigureAwait(false)).AsString()!;
    }

    /// <summary>DEBUG DIGEST of the whole dataset, with a cancellation token.</summary>
    public async Task<string> DigestAsync(CancellationToken ct)
        => (await ExecuteAsync(ct, "DEBUG", "DIGEST").ConfigureAwait(false)).AsString() ?? "";

    /// <summary>Keys over every database, from INFO keyspace.</summary>
    public async Task<long> TotalKeysAsync(CancellationToken ct = default)
    {
        await using var c = await ConnectAsync(ct).ConfigureAwait(false);
        return Keyspace.TotalKeys(await c.InfoAsync("keyspace", ct).ConfigureAwait(false));
    }

    /// <summary>Keys per database that holds any, from INFO keyspace.</summary>
    public async Task<Dictionary<int, long>> KeysPerDatabaseAsync()
    {
        await using var c = await ConnectAsync().ConfigureAwait(false);
        return Keyspace.Parse(await c.InfoAsync("keyspace").ConfigureAwait(false)).ToDictionary(d => d.Key, d => d.Value.Keys);
    }

    /// <summary>INFO server's redis_version.</summary>
    public async Task<string> VersionTextAsync(CancellationToken ct)
    {
        await using var c = await ConnectAsync(ct).ConfigureAwait(false);
        var info = await c.InfoAsync("server", ct).ConfigureAwait(false);
        return info.TryGetValue("redis_version", out var v) ? v : "unknown";
    }

    /// <summary>INFO memory's used_memory.</summary>
    public async Task<long> UsedMemoryAsync(CancellationToken ct)
    {
        await using var c = await ConnectAsync(ct).ConfigureAwait(false);
        var info = await c.InfoAsync("memory", ct).ConfigureAwait(false);
        return info.TryGetValue("used_memory", out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>
    /// CPU seconds the server has used so far, its reaped children (the forked RDB writer) included:
    /// utime + stime + cutime + cstime from /proc/PID/stat. Null where /proc is not available.
    /// </summary>
    public double? CpuSeconds()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields[0] is field 3 (state)
            return Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// The server's CPU since <paramref name="before"/> plus the client's own, once the server has reaped any child
    /// (it does so on its next cron tick, so wait a little first). Null when either part is unknown.
    /// </summary>
    public async Task<double?> TotalCpuSinceAsync(double? before, double? clientCpu, CancellationToken ct)
    {
        await Task.Delay(300, ct).ConfigureAwait(false);
        var after = CpuSeconds();
        return before is null || after is null || clientCpu is null ? null : after - before + clientCpu;
    }

    // USER_HZ: 100 on every mainstream Linux architecture.
    private const double ClockTicksPerSecond = 100;

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Stops every server still running (Ctrl+C, process exit).</summary>
    public static void KillAll()
    {
        foreach (var server in Live.Keys) server.Kill();
    }

    private void Kill()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Live.TryRemove(this, out _);
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        TempFiles.DeleteDirectory(Directory);
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }
}
