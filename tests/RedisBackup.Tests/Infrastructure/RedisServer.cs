using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Tests.Infrastructure;

/// <summary>
/// A real redis-server process on a free loopback port, with its own directory and DEBUG enabled.
/// Dispose stops it and deletes the directory.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port, string directory, ServerVersion version)
    {
        _process = process;
        Port = port;
        Directory = directory;
        Version = version;
    }

    /// <summary>Which build this is (Redis 7.0 from apt, or one of ../shared/servers).</summary>
    public ServerVersion Version { get; }

    public int Port { get; }
    public string Directory { get; }

    /// <summary>The redis-server process id (for tests that stop, continue or kill it).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Sends a signal (STOP, CONT, KILL) to the redis-server process and waits for kill(1) to finish.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }
    public RedisEndpoint Endpoint => new() { Host = "127.0.0.1", Port = Port };

    /// <summary>Starts the apt redis-server (7.0) with: no save points, no AOF, DEBUG enabled, plus <paramref name="extraArgs"/> (e.g. "--requirepass", "pw").</summary>
    public static Task<RedisServer> StartAsync(params string[] extraArgs) => StartAsync(ServerVersions.Redis70, extraArgs);

    /// <summary>Starts a server of the given version by name ("redis-7.4", "valkey-8.0"); see <see cref="ServerVersions"/>.</summary>
    public static Task<RedisServer> StartVersionAsync(string version, params string[] extraArgs) => StartAsync(ServerVersions.Get(version), extraArgs);

    /// <summary>Starts a server of <paramref name="version"/> as <see cref="StartAsync(string[])"/> does; a missing build throws.</summary>
    public static async Task<RedisServer> StartAsync(ServerVersion version, params string[] extraArgs)
    {
        ArgumentNullException.ThrowIfNull(version);
        ServerVersions.Require(version);
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreePort();
            var dir = Path.Combine(Path.GetTempPath(), "redisbackup-tests", $"redis-{port}-{Guid.NewGuid():N}");
            System.IO.Directory.CreateDirectory(dir);
            var psi = new ProcessStartInfo(version.ServerPath)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir,
                         "--save", "", "--appendonly", "no", "--enable-debug-command", "yes", "--daemonize", "no",
                         "--logfile", Path.Combine(dir, "redis.log"), "--protected-mode", "no" })
                psi.ArgumentList.Add(a);
            foreach (var a in extraArgs) psi.ArgumentList.Add(a);
            var process = Process.Start(psi) ?? throw new InvalidOperationException($"{version.ServerPath} did not start.");
            var server = new RedisServer(process, port, dir, version);
            try
            {
                await server.WaitReadyAsync(extraArgs);
                return server;
            }
            catch (Exception ex)
            {
                last = ex;
                await server.DisposeAsync();
            }
        }
        throw new InvalidOperationException($"Could not start {version.Name} ({version.ServerPath}): " + last?.Message, last);
    }

    private async Task WaitReadyAsync(string[] extraArgs)
    {
        var password = PasswordFrom(extraArgs);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}: {Log()} {_process.StandardOutput.ReadToEnd()} {_process.StandardError.ReadToEnd()}");
            try
            {
                await using var c = await RedisConnection.ConnectAsync(Endpoint with { Password = password, ConnectTimeout = TimeSpan.FromSeconds(1) });
                var pong = await c.ExecuteAsync(CancellationToken.None, "PING");
                if (pong.AsString() == "PONG") return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException("redis-server did not answer PING within 15 s: " + Log());
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

    /// <summary>Runs redis-cli against this server and returns its stdout (throws on a non-zero exit).</summary>
    public string Cli(params string[] args) => RunCli(null, args);

    /// <summary>Runs redis-cli with <paramref name="stdin"/> piped in (e.g. for --pipe).</summary>
    public string CliWithInput(byte[] stdin, params string[] args) => RunCli(stdin, args);

    private string RunCli(byte[]? stdin, string[] args)
    {
        var psi = new ProcessStartInfo(Version.CliPath) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        psi.ArgumentList.Add("-p");
        psi.ArgumentList.Add(Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
        await using var c = await ConnectAsync(password);
        return (await c.ExecuteAsync(CancellationToken.None, "DEBUG", "DIGEST")).AsString()!;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
