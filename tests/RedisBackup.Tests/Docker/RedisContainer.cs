using System.Text.Json.Nodes;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Tests.Docker;

/// <summary>
/// A Redis container from <see cref="RedisImage"/> with its port published on 127.0.0.1 (an ephemeral host port,
/// read back from the engine). Dispose removes it, with its volumes.
/// </summary>
internal sealed class RedisContainer : IAsyncDisposable
{
    private RedisContainer(DockerClient docker, string name)
    {
        Docker = docker;
        Name = name;
    }

    public DockerClient Docker { get; }
    public string Name { get; }
    public int Port { get; private set; }
    public string? Password { get; private init; }
    public string? User { get; private init; }
    public int ContainerPort { get; private init; } = 6379;
    public RedisEndpoint Endpoint => new() { Host = "127.0.0.1", Port = Port, User = User, Password = Password };

    /// <summary>
    /// Starts redis-server with no save points, DEBUG enabled, plus <paramref name="redisArgs"/>.
    /// <paramref name="configure"/> may adjust the create body (User, Env, HostConfig…). <paramref name="configFile"/>
    /// becomes /etc/redis.conf in the container, named on the command line as redis-server's config file (the options
    /// on the command line still apply after it). <paramref name="password"/> and <paramref name="user"/> are what the
    /// tests connect with.
    /// </summary>
    public static async Task<RedisContainer> StartAsync(DockerClient docker, string[]? redisArgs = null, Action<JsonObject>? configure = null, string? password = null,
        string? configFile = null, string? user = null, int containerPort = 6379)
    {
        var image = await RedisImage.EnsureAsync(docker);
        var name = "redisbackup-test-" + Guid.NewGuid().ToString("N")[..12];
        string[] config = configFile is null ? [] : ["/etc/redis.conf"];
        // With a config file, its own appendonly setting stands (the command line would override it).
        string[] appendOnly = configFile is null ? ["--appendonly", "no"] : [];
        string[] command = ["redis-server", .. config, "--dir", "/data", "--protected-mode", "no", "--enable-debug-command", "yes", "--save", "", .. appendOnly, .. redisArgs ?? []];
        var body = new JsonObject
        {
            ["Image"] = image,
            ["Cmd"] = new JsonArray(command.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
            ["ExposedPorts"] = new JsonObject { [$"{containerPort}/tcp"] = new JsonObject() },
            ["Labels"] = new JsonObject { ["redisbackup.test"] = "1" },
            ["HostConfig"] = new JsonObject
            {
                ["PortBindings"] = new JsonObject
                {
                    [$"{containerPort}/tcp"] = new JsonArray(new JsonObject { ["HostIp"] = "127.0.0.1", ["HostPort"] = "" }),
                },
            },
        };
        configure?.Invoke(body);
        await docker.CreateContainerAsync(name, body);
        var container = new RedisContainer(docker, name) { Password = password, User = user, ContainerPort = containerPort };
        try
        {
            if (configFile is not null)
            {
                using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(configFile));
                await docker.PutFileAsync(name, "/etc", "redis.conf", content, (UnixFileMode)0x1A4, 0, 0);
            }
            await docker.StartContainerAsync(name);
            await container.WaitReadyAsync();
            return container;
        }
        catch
        {
            await container.DisposeAsync();
            throw;
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

    public async Task<bool> IsRunningAsync() => (await Docker.InspectContainerAsync(Name)).Running;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Docker.RemoveContainerAsync(Name);
        }
        catch (Exception)
        {
            // Best effort: a test failure must not be hidden by a cleanup failure.
        }
    }
}
