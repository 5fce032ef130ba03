using System.Net;
using System.Text;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using Microsoft.Extensions.Logging.Abstractions;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;
using Testcontainers.Redis;
using TestcontainersRedis = Testcontainers.Redis.RedisContainer;

namespace RedisBackup.Tests.Docker;

/// <summary>
/// A Redis (or Valkey) container of one build of the version matrix, from <see cref="RedisImage"/>, started through
/// Testcontainers.Redis with its port published on 127.0.0.1 (an ephemeral host port). Dispose removes it, with its
/// volumes; it carries the labels <see cref="TestcontainersSetup"/> uses to remove what a crashed test run left.
/// </summary>
internal sealed class RedisContainer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly TestcontainersRedis _container;

    private RedisContainer(DockerClient docker, TestcontainersRedis container, string name, ServerVersion version)
    {
        Docker = docker;
        _container = container;
        Name = name;
        Version = version;
    }

    public DockerClient Docker { get; }
    public string Name { get; }
    public ServerVersion Version { get; }
    public string Host { get; private set; } = "127.0.0.1";
    public int Port { get; private set; }
    public string? Password { get; private init; }
    public string? User { get; private init; }
    public int ContainerPort { get; private init; } = 6379;
    public RedisEndpoint Endpoint => new() { Host = Host, Port = Port, User = User, Password = Password };

    /// <summary>
    /// Starts the server of <paramref name="version"/> (Redis 7.0 by default) with no save points, DEBUG enabled, plus
    /// <paramref name="redisArgs"/>. <paramref name="configure"/> may adjust the create parameters (User, HostConfig…).
    /// <paramref name="configFile"/> becomes /etc/redis.conf in the container, named on the command line as the server's
    /// config file (the options on the command line still apply after it). <paramref name="password"/> and
    /// <paramref name="user"/> are what the tests connect with. <paramref name="redisNames"/>: false for a Valkey image
    /// without the redis-* links (see <see cref="RedisImage"/>).
    /// </summary>
    public static async Task<RedisContainer> StartAsync(DockerClient docker, string[]? redisArgs = null, Action<CreateContainerParameters>? configure = null, string? password = null,
        string? configFile = null, string? user = null, int containerPort = 6379, ServerVersion? version = null, bool redisNames = true)
    {
        version ??= ServerVersions.Redis70;
        var image = await RedisImage.EnsureAsync(version, redisNames); // built once, within its own time limit
        using var deadline = new CancellationTokenSource(StartTimeout);
        var endpoint = await TestcontainersSetup.EndpointAsync(deadline.Token);
        var name = "redisbackup-test-" + Guid.NewGuid().ToString("N")[..12];
        string[] config = configFile is null ? [] : ["/etc/redis.conf"];
        // With a config file, its own appendonly setting stands (the command line would override it).
        string[] appendOnly = configFile is null ? ["--appendonly", "no"] : [];
        string[] command = [version.ServerBinary, .. config, "--dir", "/data", "--protected-mode", "no", "--enable-debug-command", "yes", "--save", "", .. appendOnly, .. redisArgs ?? []];

        // Cancelled by the wait strategy when the server exits instead of answering: the start fails at once, with its log.
        using var start = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        var builder = new RedisBuilder(image)
            .WithDockerEndpoint(endpoint)
            .WithLogger(NullLogger.Instance)
            .WithName(name)
            .WithLabel(TestcontainersSetup.Label, "1")
            .WithLabel(TestcontainersSetup.OwnerLabel, TestcontainersSetup.Owner)
            .WithCommand(command)
            .WithPortBinding(containerPort, assignRandomHostPort: true)
            // Replaces the module's "redis-cli ping" inside the container: the servers here may listen on another port or
            // want a password, and what the tests need is an answer on the published loopback port.
            .WithWaitStrategy(Wait.ForUnixContainer().AddCustomWaitStrategy(new AnswersPing(docker, name, containerPort, user, password, start), w => w.WithTimeout(StartTimeout).WithInterval(TimeSpan.FromMilliseconds(100))))
            .WithCreateParameterModifier(parameters =>
            {
                PublishOnLoopbackOnly(parameters);
                configure?.Invoke(parameters);
            });
        if (configFile is not null) builder = builder.WithResourceMapping(Encoding.UTF8.GetBytes(configFile), "/etc/redis.conf", fileMode: Unix.FileMode644);
        var started = builder.Build();
        var container = new RedisContainer(docker, started, name, version) { Password = password, User = user, ContainerPort = containerPort };
        try
        {
            await started.StartAsync(start.Token);
            // Testcontainers' view of where the container is (TESTCONTAINERS_HOST_OVERRIDE): never the bridge gateway.
            if (!IPAddress.TryParse(started.Hostname, out var address) || !IPAddress.IsLoopback(address))
                throw new InvalidOperationException($"Testcontainers reports container {name} at {started.Hostname}; the tests reach containers on loopback only (TESTCONTAINERS_HOST_OVERRIDE).");
            container.Host = started.Hostname;
            container.Port = started.GetMappedPublicPort(containerPort);
            return container;
        }
        catch (Exception ex)
        {
            var exited = await ExitedAsync(docker, name);
            await container.DisposeAsync();
            if (exited is not null) throw new InvalidOperationException(exited, ex);
            throw;
        }
    }

    /// <summary>Why the container is not running (its exit code and last log lines), or null while it runs or when there is none.</summary>
    private static async Task<string?> ExitedAsync(DockerClient docker, string name)
    {
        try
        {
            var info = await docker.InspectContainerAsync(name);
            return info.Running ? null : $"Container {name} exited ({info.ExitCode}): {await docker.GetLogsAsync(name, 30)}";
        }
        catch (Engine.Errors.RedisBackupException)
        {
            return null;
        }
    }

    /// <summary>Every published port on 127.0.0.1 only (Testcontainers binds 0.0.0.0).</summary>
    private static void PublishOnLoopbackOnly(CreateContainerParameters parameters)
    {
        foreach (var bindings in parameters.HostConfig?.PortBindings?.Values ?? [])
            foreach (var binding in bindings) binding.HostIP = "127.0.0.1";
    }

    /// <summary>Ready when PING over the published port answers PONG; when the container has exited, cancels the start.</summary>
    private sealed class AnswersPing(DockerClient docker, string name, int containerPort, string? user, string? password, CancellationTokenSource start) : IWaitUntil
    {
        public async Task<bool> UntilAsync(IContainer container)
        {
            try
            {
                var endpoint = new RedisEndpoint { Host = container.Hostname, Port = container.GetMappedPublicPort(containerPort), User = user, Password = password, ConnectTimeout = TimeSpan.FromSeconds(1) };
                await using var c = await RedisConnection.ConnectAsync(endpoint);
                return (await c.ExecuteAsync(CancellationToken.None, "PING")).AsString() == "PONG";
            }
            catch (Exception)
            {
                if (!(await docker.InspectContainerAsync(name)).Running) await start.CancelAsync();
                return false;
            }
        }
    }

    /// <summary>Reads the published port again (it can change on restart) and waits for PING.</summary>
    public async Task WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var info = await Docker.InspectContainerAsync(Name);
            if (!info.Running) throw new InvalidOperationException($"Container {Name} exited ({info.ExitCode}): {await Docker.GetLogsAsync(Name, 30)}");
            var port = info.Ports.FirstOrDefault(p => p.ContainerPort == ContainerPort);
            if (port is not null)
            {
                Port = port.HostPort;
                try
                {
                    await using var c = await RedisConnection.ConnectAsync(Endpoint with { ConnectTimeout = TimeSpan.FromSeconds(1) });
                    if ((await c.ExecuteAsync(CancellationToken.None, "PING")).AsString() == "PONG") return;
                }
                catch (Exception ex)
                {
                    last = ex;
                }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Container {Name} did not answer PING within 30 s: {last?.Message}");
    }

    public Task<RedisConnection> ConnectAsync() => RedisConnection.ConnectAsync(Endpoint);

    /// <summary>Runs one command over the published port.</summary>
    public async Task<RespValue> ExecuteAsync(params RedisArg[] args)
    {
        await using var c = await ConnectAsync();
        return (await c.ExecuteAsync(CancellationToken.None, args)).ThrowIfError();
    }

    public async Task<string> DigestAsync() => (await ExecuteAsync("DEBUG", "DIGEST")).AsString()!;

    /// <summary>Writes the dataset to its data file now (SAVE), so a stop loses nothing.</summary>
    public Task SaveAsync() => ExecuteAsync("SAVE");

    /// <summary>The bytes of a file in the container (running or stopped), or null when it does not exist.</summary>
    public async Task<byte[]?> ReadFileAsync(string path)
    {
        if (await Docker.StatPathAsync(Name, path) is null) return null;
        await using var archive = await Docker.GetArchiveAsync(Name, path);
        var entry = (await new System.Formats.Tar.TarReader(archive.Tar).GetNextEntryAsync())!;
        using var data = new MemoryStream();
        if (entry.DataStream is not null) await entry.DataStream.CopyToAsync(data);
        return data.ToArray();
    }

    /// <summary>Writes a file into the container (running or stopped), owned by root with mode 0644, replacing one of that name.</summary>
    public Task WriteFileAsync(string path, byte[] content) => _container.CopyAsync(content, path, fileMode: Unix.FileMode644);

    public async Task<bool> IsRunningAsync() => (await Docker.InspectContainerAsync(Name)).Running;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _container.DisposeAsync();
        }
        catch (Exception)
        {
            // Best effort: a test failure must not be hidden by a cleanup failure. What is left carries the owner label,
            // and the next test run removes it.
        }
    }
}
