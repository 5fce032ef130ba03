using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Infrastructure;

/// <summary>
/// Two real redis-servers for a test class: a source holding a small mixed dataset (strings, a hash, a list, a set,
/// a zset, keys with TTLs, a key in database 1) and an empty target. Tests restore into the target and compare.
/// </summary>
public sealed class LiveServers : IAsyncLifetime
{
    public RedisServer Source { get; private set; } = null!;
    public RedisServer Target { get; private set; } = null!;

    /// <summary>Keys in the source's dataset.</summary>
    public const int SourceKeys = 8;

    public async Task InitializeAsync()
    {
        Source = await RedisServer.StartAsync();
        Target = await RedisServer.StartAsync();
        await Fill(Source);
    }

    public static async Task Fill(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        await c.ExecuteAsync(CancellationToken.None, "SET", "greeting", "hello");
        await c.ExecuteAsync(CancellationToken.None, "SET", "session:1", "alice", "PX", "3600000");
        await c.ExecuteAsync(CancellationToken.None, "SET", "session:2", "bob", "PX", "7200000");
        await c.ExecuteAsync(CancellationToken.None, "HSET", "user:1", "name", "Ada", "lang", "en");
        await c.ExecuteAsync(CancellationToken.None, "RPUSH", "queue", "a", "b", "c");
        await c.ExecuteAsync(CancellationToken.None, "SADD", "tags", "x", "y");
        await c.ExecuteAsync(CancellationToken.None, "ZADD", "scores", "1.5", "m1", "2", "m2");
        await c.ExecuteAsync(CancellationToken.None, "SELECT", "1");
        await c.ExecuteAsync(CancellationToken.None, "SET", "other-db", "1");
    }

    /// <summary>Empties the target (every database).</summary>
    public async Task ClearTargetAsync()
    {
        await using var c = await Target.ConnectAsync();
        await c.ExecuteAsync(CancellationToken.None, "FLUSHALL");
    }

    public async Task<long> TargetKeysAsync()
    {
        await using var c = await Target.ConnectAsync();
        long total = 0;
        foreach (var db in new[] { "0", "1" })
        {
            await c.ExecuteAsync(CancellationToken.None, "SELECT", db);
            total += (await c.ExecuteAsync(CancellationToken.None, "DBSIZE")).AsInt64();
        }
        return total;
    }

    public async Task DisposeAsync()
    {
        if (Source is not null) await Source.DisposeAsync();
        if (Target is not null) await Target.DisposeAsync();
    }
}
