using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Demo;

/// <summary>
/// A redis-server started for the demo: a free loopback port, its own temporary directory, no persistence, DEBUG
/// allowed from loopback (for DEBUG DIGEST). Dispose stops it and deletes the directory.
/// </summary>
internal sealed class ThrowawayServer : IAsyncDisposable
{
    private readonly Process _process;

    private ThrowawayServer(Process process, int port, string directory)
    {
        _process = process;
        Endpoint = new RedisEndpoint { Host = "127.0.0.1", Port = port };
        Directory = directory;
    }

    public RedisEndpoint Endpoint { get; }
    public string Directory { get; }

    /// <summary>The redis-server to run: <paramref name="explicitPath"/>, else the first redis-server (or valkey-server) on PATH.</summary>
    public static string FindServer(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath))
            return File.Exists(explicitPath) ? explicitPath
                : throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.DemoServerNotFound, $"The redis-server '{explicitPath}' does not exist.", explicitPath);
        foreach (var name in new[] { "redis-server", "valkey-server" })
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? name + ".exe" : name);
                if (File.Exists(candidate)) return candidate;
            }
        throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.DemoServerNotFound,
            "The demo starts its own throwaway Redis, but no redis-server (or valkey-server) is on PATH. Install it (Debian: apt-get install redis-server; bash .ci/setup does) or name one.");
    }

    public static async Task<ThrowawayServer> StartAsync(string serverPath, CancellationToken ct)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort();
            var dir = Path.Combine(Path.GetTempPath(), $"redisbackup-demo-{port}-{Guid.NewGuid():N}"[..40]);
            System.IO.Directory.CreateDirectory(dir);
            var psi = new ProcessStartInfo(serverPath) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no",
                         "--daemonize", "no", "--enable-debug-command", "local", "--logfile", Path.Combine(dir, "server.log") })
                psi.ArgumentList.Add(a);
            var process = Process.Start(psi) ?? throw new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.DemoServerFailed, $"{serverPath} did not start.");
            var server = new ThrowawayServer(process, port, dir);
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
        throw new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.DemoServerFailed, $"{serverPath} did not start: {last?.Message}", serverPath, last);
    }

    private async Task WaitReadyAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"it exited with code {_process.ExitCode}: {_process.StandardOutput.ReadToEnd()} {Log()}".Trim());
            try
            {
                await using var c = await RedisConnection.ConnectAsync(Endpoint with { ConnectTimeout = TimeSpan.FromSeconds(1) }, ct).ConfigureAwait(false);
                if ((await c.ExecuteAsync(ct, "PING").ConfigureAwait(false)).AsString() == "PONG") return;
            }
            catch (RedisBackupException) when (DateTime.UtcNow < deadline)
            {
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException("it did not answer PING within 15 s");
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    private string Log()
    {
        try { return File.ReadAllText(Path.Combine(Directory, "server.log")); }
        catch (IOException) { return ""; }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
