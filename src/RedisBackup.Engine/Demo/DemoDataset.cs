using System.Globalization;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Demo;

/// <summary>
/// The demo's sample data, in the shape of the first seed's store: strings, hashes (users, and documents holding a
/// binary float32 embedding), a list, a set, a sorted set, a stream, session keys with TTLs, and a key in database 1.
/// Deterministic: the same keys and values every run.
/// </summary>
internal static class DemoDataset
{
    public const int Users = 50;
    public const int Documents = 40;
    public const int Sessions = 20;
    public const int VectorDimensions = 128;

    /// <summary>Writes the dataset; returns the number of keys.</summary>
    public static async Task<int> LoadAsync(RedisConnection c, CancellationToken ct)
    {
        var keys = 0;
        var random = new Random(20261122);
        for (var i = 0; i < Users; i++, keys++)
            await c.ExecuteAsync(ct, "HSET", $"user:{i}", "name", $"User {i}", "email", $"user{i}@example.test", "visits", (i * 7).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        for (var i = 0; i < Documents; i++, keys++)
        {
            var vector = new byte[VectorDimensions * sizeof(float)];
            for (var d = 0; d < VectorDimensions; d++)
                BitConverter.TryWriteBytes(vector.AsSpan(d * sizeof(float)), (float)(random.NextDouble() * 2 - 1));
            await c.ExecuteAsync(ct, "HSET", $"doc:{i}", "title", $"Document {i}", "embedding", vector).ConfigureAwait(false);
        }
        for (var i = 0; i < Sessions; i++, keys++)
            await c.ExecuteAsync(ct, "SET", $"session:{i}", Guid.NewGuid().ToString("N"), "PX", (3_600_000 + i * 60_000).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        await c.ExecuteAsync(ct, "SET", "greeting", "hello, redis").ConfigureAwait(false); keys++;
        await c.ExecuteAsync(ct, "SET", "counter", "42").ConfigureAwait(false); keys++;
        await c.ExecuteAsync(ct, "RPUSH", "queue:jobs", "resize", "index", "mail").ConfigureAwait(false); keys++;
        await c.ExecuteAsync(ct, "SADD", "tags", "redis", "backup", "demo").ConfigureAwait(false); keys++;
        await c.ExecuteAsync(ct, "ZADD", "leaderboard", "3.5", "ada", "2", "bob", "-1.25", "eve").ConfigureAwait(false); keys++;
        for (var i = 0; i < 5; i++)
            await c.ExecuteAsync(ct, "XADD", "events", "*", "type", "login", "user", $"user:{i}").ConfigureAwait(false);
        keys++;
        await c.ExecuteAsync(ct, "SELECT", "1").ConfigureAwait(false);
        await c.ExecuteAsync(ct, "SET", "db1:marker", "in database 1").ConfigureAwait(false); keys++;
        await c.ExecuteAsync(ct, "SELECT", "0").ConfigureAwait(false);
        return keys;
    }
}
