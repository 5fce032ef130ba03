using RedisBackup.Engine.Redis;

namespace RedisBackup.Testing;

/// <summary>
/// Hashes with field TTLs on a Redis 7.4+ server, and the comparison of every field's value and HPEXPIRETIME between two
/// servers (DEBUG DIGEST-VALUE ignores field TTLs, so they are compared field by field).
/// </summary>
internal static class FieldTtlData
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>A binary field name (not valid UTF-8).</summary>
    public static readonly byte[] BinaryField = [0xFF, 0x00, 0xFE, (byte)'f'];

    /// <summary>What <see cref="FillAsync"/> wrote: keys per database and the number of fields with a TTL.</summary>
    public sealed record Seeded(Dictionary<int, List<string>> Keys, int FieldTtls);

    /// <summary>
    /// Writes, with absolute times an hour or more ahead: a small (listpack) hash with tied and distinct field TTLs and a
    /// field without one; a 300-field hash beyond the listpack limit; a 7,000-field hash (several HSCAN windows) where
    /// every fifth field expires; a hash with a binary field name and a key TTL in database 1; a hash without field TTLs
    /// and a string.
    /// </summary>
    public static async Task<Seeded> FillAsync(RedisServer server, long baseMs)
    {
        await using var c = await server.ConnectAsync();
        var ttls = 0;
        await c.ExecuteAsync(None, "HSET", "small", "f1", "v1", "f2", "v2", "f3", "3", "f4", "-17", "f5", new string('x', 60));
        await c.ExecuteAsync(None, "HPEXPIREAT", "small", baseMs + 5000, "FIELDS", 2, "f3", "f1");
        await c.ExecuteAsync(None, "HPEXPIREAT", "small", baseMs + 1000, "FIELDS", 1, "f5");
        await c.ExecuteAsync(None, "HPEXPIREAT", "small", baseMs + 9000, "FIELDS", 1, "f4");
        ttls += 4;

        var wide = new List<RedisArg> { "HSET", "wide" };
        for (var i = 0; i < 300; i++) { wide.Add("w" + i); wide.Add("value-" + i); }
        await c.ExecuteAsync(None, [.. wide]);
        for (var i = 0; i < 300; i += 3)
        {
            await c.ExecuteAsync(None, "HPEXPIREAT", "wide", baseMs + 100 * i, "FIELDS", 1, "w" + i);
            ttls++;
        }

        for (var start = 0; start < 7000; start += 1000)
        {
            var big = new List<RedisArg> { "HSET", "big" };
            for (var i = start; i < start + 1000; i++) { big.Add("b" + i); big.Add("v" + i * 7); }
            await c.ExecuteAsync(None, [.. big]);
        }
        var expiring = new List<RedisArg> { "HPEXPIREAT", "big", baseMs + 60_000, "FIELDS", 1400 };
        for (var i = 0; i < 7000; i += 5) expiring.Add("b" + i);
        await c.ExecuteAsync(None, [.. expiring]);
        await c.ExecuteAsync(None, "HPEXPIREAT", "big", baseMs + 61_000, "FIELDS", 1, "b6999");
        ttls += 1401;

        await c.ExecuteAsync(None, "HSET", "plain", "a", "1", "b", "2");
        await c.ExecuteAsync(None, "SET", "str", "value");

        await c.SelectAsync(1);
        await c.ExecuteAsync(None, "HSET", "in-db-1", BinaryField, "binary", "other", "o");
        await c.ExecuteAsync(None, "HPEXPIREAT", "in-db-1", baseMs + 2000, "FIELDS", 1, BinaryField);
        await c.ExecuteAsync(None, "PEXPIREAT", "in-db-1", baseMs + 3_600_000);
        ttls++;
        return new Seeded(new() { [0] = ["small", "wide", "big", "plain", "str"], [1] = ["in-db-1"] }, ttls);
    }

    /// <summary>Every field of a hash with its value and HPEXPIRETIME (-1 for none), keyed by the field's bytes.</summary>
    public static async Task<SortedDictionary<string, (string Value, long ExpireAt)>> FieldsAsync(RedisConnection c, string key, bool withTtls = true)
    {
        var all = (await c.ExecuteAsync(None, "HGETALL", key)).AsArray();
        var result = new SortedDictionary<string, (string, long)>(StringComparer.Ordinal);
        if (all.Length == 0) return result;
        var fields = new List<RedisArg> { "HPEXPIRETIME", key, "FIELDS", all.Length / 2 };
        for (var i = 0; i < all.Length; i += 2) fields.Add(all[i].Bytes!);
        var times = withTtls ? (await c.ExecuteAsync(None, [.. fields])).AsArray() : null;
        for (var i = 0; i < all.Length; i += 2)
            result[Convert.ToHexString(all[i].Bytes!)] = (Convert.ToHexString(all[i + 1].Bytes!), times?[i / 2].AsInt64() ?? -1);
        return result;
    }

    /// <summary>
    /// The same keys, values (DEBUG DIGEST-VALUE), field values and field TTLs (HPEXPIRETIME, exactly) in both servers;
    /// the key TTL (PEXPIRETIME) within <paramref name="keyTtlToleranceMs"/>.
    /// </summary>
    public static async Task AssertSameAsync(RedisServer expected, RedisServer actual, Seeded seeded, long keyTtlToleranceMs = 2000)
    {
        await using var e = await expected.ConnectAsync();
        await using var a = await actual.ConnectAsync();
        foreach (var (db, keys) in seeded.Keys)
        {
            await e.SelectAsync(db);
            await a.SelectAsync(db);
            Assert.Equal((await e.ExecuteAsync(None, "DBSIZE")).AsInt64(), (await a.ExecuteAsync(None, "DBSIZE")).AsInt64());
            foreach (var key in keys)
            {
                Assert.Equal((await e.ExecuteAsync(None, "DEBUG", "DIGEST-VALUE", key)).AsArray()[0].AsString(),
                    (await a.ExecuteAsync(None, "DEBUG", "DIGEST-VALUE", key)).AsArray()[0].AsString());
                var at = (await e.ExecuteAsync(None, "PEXPIRETIME", key)).AsInt64();
                var actualAt = (await a.ExecuteAsync(None, "PEXPIRETIME", key)).AsInt64();
                Assert.True(at < 0 ? actualAt == at : Math.Abs(at - actualAt) <= keyTtlToleranceMs, $"{key}: PEXPIRETIME {actualAt}, expected {at}");
                if ((await e.ExecuteAsync(None, "TYPE", key)).AsString() != "hash") continue;
                var want = await FieldsAsync(e, key);
                var got = await FieldsAsync(a, key);
                Assert.Equal(want.Count, got.Count);
                foreach (var (field, value) in want)
                    Assert.True(got.TryGetValue(field, out var other) && other == value, $"{key}/{field}: {other}, expected {value}");
            }
        }
    }
}
