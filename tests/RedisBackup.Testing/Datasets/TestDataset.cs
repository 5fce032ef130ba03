using RedisBackup.Engine.Redis;

namespace RedisBackup.Testing;

/// <summary>Fills a server with every value type, in several databases, with and without expiry.</summary>
internal static class TestDataset
{
    /// <summary>Writes the dataset and returns the number of keys written.</summary>
    public static async Task<long> PopulateAsync(RedisEndpoint endpoint, int scale = 1)
    {
        await using var c = await RedisConnection.ConnectAsync(endpoint);
        long keys = 0;
        async Task Run(params RedisArg[] args) => (await c.ExecuteAsync(CancellationToken.None, args)).ThrowIfError();

        foreach (var db in new[] { 0, 2, 15 })
        {
            await c.SelectAsync(db);
            for (var i = 0; i < 20 * scale; i++)
            {
                await Run("SET", $"str:{db}:{i}", $"value-{i}-{new string('v', i % 50)}");
                keys++;
            }
            await Run("SET", $"int:{db}", 12345);
            await Run("SET", $"bin:{db}", new byte[] { 0, 1, 2, 255, 254, 13, 10 });
            await Run("SET", $"ttl:{db}", "expires", "EX", 86400);
            keys += 3;

            await Run("RPUSH", $"list:{db}", "a", "b", "c", "d");
            await Run("SADD", $"set:{db}", "x", "y", "z");
            await Run("SADD", $"intset:{db}", 1, 2, 3, 4);
            await Run("ZADD", $"zset:{db}", 1, "one", 2.5.ToString(System.Globalization.CultureInfo.InvariantCulture), "two-and-half");
            await Run("HSET", $"hash:{db}", "f1", "v1", "f2", "v2");
            await Run("XADD", $"stream:{db}", "*", "field", "value");
            keys += 6;

            // Large enough to leave the compact encodings (hashtable, skiplist, quicklist).
            var bigHash = new List<RedisArg> { "HSET", $"bighash:{db}" };
            var bigZset = new List<RedisArg> { "ZADD", $"bigzset:{db}" };
            var bigList = new List<RedisArg> { "RPUSH", $"biglist:{db}" };
            var bigSet = new List<RedisArg> { "SADD", $"bigset:{db}" };
            for (var i = 0; i < 300; i++)
            {
                bigHash.Add($"field-{i}");
                bigHash.Add(new string('h', 70));
                bigZset.Add(i);
                bigZset.Add($"member-{i}-{new string('z', 70)}");
                bigList.Add($"item-{i}-{new string('l', 70)}");
                bigSet.Add($"member-{i}");
            }
            await Run([.. bigHash]);
            await Run([.. bigZset]);
            await Run([.. bigList]);
            await Run([.. bigSet]);
            keys += 4;
        }
        return keys;
    }

    /// <summary>Keys in all databases (INFO keyspace).</summary>
    public static async Task<long> CountKeysAsync(RedisEndpoint endpoint)
    {
        await using var c = await RedisConnection.ConnectAsync(endpoint);
        long total = 0;
        foreach (var (name, value) in await c.InfoAsync("keyspace"))
        {
            if (!name.StartsWith("db", StringComparison.Ordinal)) continue;
            var keys = value.Split(',').First(p => p.StartsWith("keys=", StringComparison.Ordinal));
            total += long.Parse(keys[5..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return total;
    }
}
