using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Bench;

/// <summary>
/// A redis-server process started by the benchmark: free loopback port, its own directory, no persistence,
/// DEBUG enabled, diskless replication without delay. Every instance is tracked so Ctrl+C and process exit stop it.
/// </summary>
internal sealed class RedisInstance : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<RedisInstance, byte> Live = new();
    private readonly Process _process;
    private int _disposed;

    private RedisInstance(Process process, int port, string directory, string name)
    {
        _process = process;
        Port = port;
        Directory = directory;
        Name = name;
    }

    public string Name { get; }
    public int Port { get; }
    public string Directory { get; }
    public string PortText => Port.ToString(CultureInfo.InvariantCulture);
    public RedisEndpoint Endpoint => new() { Host = "127.0.0.1", Port = Port, CommandTimeout = TimeSpan.FromMinutes(10) };

    public static async Task<RedisInstance> StartAsync(string name, string parentDirectory, CancellationToken ct, params string[] extraArgs)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreePort();
            var dir = Path.Combine(parentDirectory, $"{name}-{port}");
            System.IO.Directory.CreateDirectory(dir);
            var psi = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[]
                     {
                         "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir,
                         "--save", "", "--appendonly", "no", "--enable-debug-command", "yes",
                         "--repl-diskless-sync-delay", "0", "--daemonize", "no", "--protected-mode", "no",
                         "--logfile", Path.Combine(dir, "redis.log"),
                     })
                psi.ArgumentList.Add(a);
            foreach (var a in extraArgs) psi.ArgumentList.Add(a);
            var process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start.");
            var server = new RedisInstance(process, port, dir, name);
            Live[server] = 0;
            try
            {
                await server.WaitReadyAsync(ct).ConfigureAwait(false);
                return server;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                last = ex;
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }
        throw new InvalidOperationException($"Could not start redis-server ({name}): {last?.Message}", last);
    }

    public Task<RedisConnection> ConnectAsync(CancellationToken ct) => RedisConnection.ConnectAsync(Endpoint, ct);

    /// <summary>Runs one command on a new connection and returns the reply (errors thrown).</summary>
    public async Task<RespValue> ExecuteAsync(CancellationToken ct, params RedisArg[] args)
    {
        await using var c = await ConnectAsync(ct).ConfigureAwait(false);
        return await c.ExecuteAsync(ct, args).ConfigureAwait(false);
    }

    public async Task<string> DigestAsync(CancellationToken ct)
        => (await ExecuteAsync(ct, "DEBUG", "DIGEST").ConfigureAwait(false)).AsString() ?? "";

    /// <summary>Keys over every database, from INFO keyspace.</summary>
    public async Task<long> TotalKeysAsync(CancellationToken ct)
    {
        await using var c = await ConnectAsync(ct).ConfigureAwait(false);
        var info = await c.InfoAsync("keyspace", ct).ConfigureAwait(false);
        long total = 0;
        foreach (var (name, value) in info)
        {
            if (!name.StartsWith("db", StringComparison.Ordinal)) continue;
            var keys = value.Split(',')[0]; // keys=N
            total += long.Parse(keys.AsSpan(keys.IndexOf('=') + 1), CultureInfo.InvariantCulture);
        }
        return total;
    }

    public async Task<string> VersionAsync(CancellationToken ct)
    {
        await using var c = await ConnectAsync(ct).ConfigureAwait(false);
        var info = await c.InfoAsync("server", ct).ConfigureAwait(false);
        return info.TryGetValue("redis_version", out var v) ? v : "unknown";
    }

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

    /// <summary>Stops every instance still running (Ctrl+C, process exit).</summary>
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
                _process.Kill();
                _process.WaitForExit(5000);
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

    private async Task WaitReadyAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}: {Log()}");
            try
            {
                await using var c = await RedisConnection.ConnectAsync(Endpoint with { ConnectTimeout = TimeSpan.FromSeconds(1) }, ct).ConfigureAwait(false);
                if ((await c.ExecuteAsync(ct, "PING").ConfigureAwait(false)).AsString() == "PONG") return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !ct.IsCancellationRequested)
            {
                await Task.Delay(50, ct).ConfigureAwait(false);
            }
        }
    }

    private string Log()
    {
        try { return File.ReadAllText(Path.Combine(Directory, "redis.log")); }
        catch (IOException) { return "(no log)"; }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
