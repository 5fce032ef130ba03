using System.Globalization;
using System.Text;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Testing;

/// <summary>
/// Compares two servers key by key: <see cref="AssertIdenticalAsync"/> for the same version (every value by DEBUG
/// DIGEST-VALUE), <see cref="AssertSameAsync"/> when they may be different versions. Every key: its type, and its PTTL within a
/// tolerance. Values: <c>DEBUG DIGEST-VALUE</c> where both servers compute it the same way (one algorithm, over the
/// value's logical content: strings, lists, sets, hashes, and for streams the entries alone); sorted sets by reading them
/// back (<c>ZRANGE … WITHSCORES</c>, scores compared as doubles bit for bit), because Redis 7.0 and Redis 7.2+/Valkey
/// print the scores they digest with different routines; streams also by <c>XINFO STREAM FULL</c> (last ID, counters,
/// groups, entries read, pending entries with owner, delivery time and count, consumers), without the consumers' seen
/// and active times, which no command can set.
/// </summary>
internal static class ServerComparison
{
    public static async Task<List<byte[]>> KeysAsync(RedisConnection c, int db)
    {
        await c.SelectAsync(db);
        var keys = new List<byte[]>();
        var cursor = "0";
        do
        {
            var reply = (await c.ExecuteAsync(CancellationToken.None, "SCAN", cursor, "COUNT", "1000")).AsArray();
            cursor = reply[0].AsString()!;
            keys.AddRange(reply[1].AsArray().Select(k => k.Bytes!));
        }
        while (cursor != "0");
        return keys;
    }

    /// <summary>
    /// Same version into same version: asserts the two servers hold the same keys with the same values (DEBUG
    /// DIGEST-VALUE, every type), and TTLs within a tolerance; <paramref name="actualDb"/> compares into another database.
    /// </summary>
    public static async Task AssertIdenticalAsync(RedisServer expected, RedisServer actual, IEnumerable<int> databases, long ttlToleranceMs = 5000, int? actualDb = null)
    {
        await using var e = await expected.ConnectAsync();
        await using var a = await actual.ConnectAsync();
        foreach (var db in databases)
        {
            var keys = await KeysAsync(e, db);
            await a.SelectAsync(actualDb ?? db);
            var size = (await a.ExecuteAsync(CancellationToken.None, "DBSIZE")).AsInt64();
            Assert.Equal(keys.Count, size);
            foreach (var key in keys)
            {
                var de = (await e.ExecuteAsync(CancellationToken.None, "DEBUG", "DIGEST-VALUE", key)).AsArray()[0].AsString();
                var da = (await a.ExecuteAsync(CancellationToken.None, "DEBUG", "DIGEST-VALUE", key)).AsArray()[0].AsString();
                if (de != da)
                {
                    var te0 = (await e.ExecuteAsync(CancellationToken.None, "TYPE", key)).AsString();
                    var le = te0 == "hash" ? (await e.ExecuteAsync(CancellationToken.None, "HLEN", key)).AsInt64() : -1;
                    var la = te0 == "hash" ? (await a.ExecuteAsync(CancellationToken.None, "HLEN", key)).AsInt64() : -1;
                    var diff = "";
                    if (te0 == "hash")
                    {
                        var he = (await e.ExecuteAsync(CancellationToken.None, "HGETALL", key)).AsArray();
                        for (var i = 0; i < he.Length; i += 2)
                        {
                            var va = (await a.ExecuteAsync(CancellationToken.None, "HGET", key, he[i].Bytes!)).Bytes;
                            if (va is null || !va.AsSpan().SequenceEqual(he[i + 1].Bytes!)) { diff = $"field {he[i].AsString()}: {Convert.ToHexString(he[i + 1].Bytes!)} vs {(va is null ? "nil" : Convert.ToHexString(va))}"; break; }
                        }
                    }
                    Assert.Fail(diff + $"db {db} key '{Encoding.UTF8.GetString(key)}' ({te0}, {la} vs {le} entries): digest {da} != {de}");
                }
                var te = (await e.ExecuteAsync(CancellationToken.None, "PTTL", key)).AsInt64();
                var ta = (await a.ExecuteAsync(CancellationToken.None, "PTTL", key)).AsInt64();
                if (te < 0) Assert.Equal(te, ta);
                else Assert.True(Math.Abs(te - ta) <= ttlToleranceMs, $"db {db} key '{Encoding.UTF8.GetString(key)}': PTTL {ta} vs {te}");
            }
        }
    }

    public static async Task<long> DbSizeAsync(RedisServer server, int db)
    {
        await using var c = await server.ConnectAsync();
        await c.SelectAsync(db);
        return (await c.ExecuteAsync(CancellationToken.None, "DBSIZE")).AsInt64();
    }

    private static readonly HashSet<string> StreamFields = new(StringComparer.Ordinal)
    {
        "length", "last-generated-id", "max-deleted-entry-id", "entries-added", "recorded-first-entry-id", "entries",
        "groups", "name", "last-delivered-id", "entries-read", "lag", "pel-count", "pending", "consumers",
    };

    /// <summary>Across versions: see the class summary; <paramref name="sameDigests"/> when both servers digest sorted sets alike.</summary>
    public static async Task AssertSameAsync(RedisServer expected, RedisServer actual, IEnumerable<int> databases, bool sameDigests, long ttlToleranceMs = 10_000)
    {
        await using var e = await expected.ConnectAsync();
        await using var a = await actual.ConnectAsync();
        foreach (var db in databases)
        {
            var keys = await KeysAsync(e, db);
            await a.SelectAsync(db);
            Assert.Equal(keys.Count, (await a.Run("DBSIZE")).AsInt64());
            foreach (var key in keys)
            {
                var name = $"db {db} key '{Describe(key)}'";
                var type = (await e.Run("TYPE", key)).AsString();
                Assert.True(type == (await a.Run("TYPE", key)).AsString(), $"{name}: type");
                if (type != "zset" || sameDigests)
                {
                    var de = (await e.Run("DEBUG", "DIGEST-VALUE", key)).AsArray()[0].AsString();
                    var da = (await a.Run("DEBUG", "DIGEST-VALUE", key)).AsArray()[0].AsString();
                    // Redis 7.4 digests a hash whose fields have TTLs differently from one whose fields have none: such a
                    // hash restored into a server without field TTLs is compared by reading it back.
                    if (de != da && type == "hash" && await HasFieldTtlsAsync(e, key)) await AssertSameHashAsync(e, a, key, name);
                    else Assert.True(de == da, $"{name} ({type}): digest {da} != {de}");
                }
                if (type == "zset") await AssertSameZsetAsync(e, a, key, name);
                if (type == "stream")
                {
                    var se = await StreamStateAsync(e, key);
                    var sa = await StreamStateAsync(a, key);
                    Assert.True(se == sa, $"{name}: stream state differs\n{FirstDifference(se, sa)}");
                }
                var te = (await e.Run("PTTL", key)).AsInt64();
                var ta = (await a.Run("PTTL", key)).AsInt64();
                if (te < 0) Assert.True(te == ta, $"{name}: PTTL {ta} vs {te}");
                else Assert.True(Math.Abs(te - ta) <= ttlToleranceMs, $"{name}: PTTL {ta} vs {te}");
            }
        }
    }

    /// <summary>Members and scores read back; the scores parsed and compared bit for bit.</summary>
    private static async Task AssertSameZsetAsync(RedisConnection e, RedisConnection a, byte[] key, string name)
    {
        var ve = (await e.Run("ZRANGE", key, "0", "-1", "WITHSCORES")).AsArray();
        var va = (await a.Run("ZRANGE", key, "0", "-1", "WITHSCORES")).AsArray();
        Assert.True(ve.Length == va.Length, $"{name}: {va.Length / 2} members vs {ve.Length / 2}");
        for (var i = 0; i < ve.Length; i += 2)
        {
            Assert.True(ve[i].Bytes!.AsSpan().SequenceEqual(va[i].Bytes), $"{name}: member {i / 2}");
            var se = Score(ve[i + 1].AsString()!);
            var sa = Score(va[i + 1].AsString()!);
            Assert.True(BitConverter.DoubleToInt64Bits(se) == BitConverter.DoubleToInt64Bits(sa), $"{name}: score of member {i / 2}: {va[i + 1].AsString()} vs {ve[i + 1].AsString()}");
        }
    }

    private static async Task<bool> HasFieldTtlsAsync(RedisConnection c, byte[] key)
    {
        var fields = (await c.Run("HKEYS", key)).AsArray().Select(f => (RedisArg)f.Bytes!).ToList();
        var reply = await c.Run(["HPEXPIRETIME", key, "FIELDS", fields.Count, .. fields]);
        return reply.Type == RespType.Array && reply.AsArray().Any(t => t.AsInt64() > 0);
    }

    private static async Task AssertSameHashAsync(RedisConnection e, RedisConnection a, byte[] key, string name)
    {
        static SortedDictionary<string, string> Read(RespValue[] items)
        {
            var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < items.Length; i += 2) map[Convert.ToHexString(items[i].Bytes!)] = Convert.ToHexString(items[i + 1].Bytes!);
            return map;
        }
        var he = Read((await e.Run("HGETALL", key)).AsArray());
        var ha = Read((await a.Run("HGETALL", key)).AsArray());
        Assert.True(he.SequenceEqual(ha), $"{name}: fields and values differ");
    }

    private static double Score(string text) => text switch
    {
        "inf" or "+inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    /// <summary>Where two long texts first differ, with some context (a big stream's state is megabytes of text).</summary>
    private static string FirstDifference(string expected, string actual)
    {
        var at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
        var from = Math.Max(0, at - 300);
        string Part(string text) => text.Length <= from ? "" : text.Substring(from, Math.Min(600, text.Length - from));
        return $"first difference at character {at} of {expected.Length} / {actual.Length}:\nexpected …{Part(expected)}…\nactual   …{Part(actual)}…";
    }

    /// <summary>XINFO STREAM FULL as text, keeping only what a restore can set (no radix-tree sizes, no consumer times).</summary>
    public static async Task<string> StreamStateAsync(RedisConnection c, byte[] key)
    {
        var reply = await c.Run("XINFO", "STREAM", key, "FULL", "COUNT", "0");
        var text = new StringBuilder();
        Render(reply, text);
        return text.ToString();
    }

    private static void Render(RespValue value, StringBuilder text)
    {
        if (value.Type != RespType.Array)
        {
            text.Append(value.IsNull ? "nil" : value.Type == RespType.Integer ? value.Integer.ToString(CultureInfo.InvariantCulture) : Convert.ToHexString(value.Bytes ?? Encoding.UTF8.GetBytes(value.AsString() ?? ""))).Append(' ');
            return;
        }
        var items = value.AsArray();
        // The stream, each group and each consumer are maps: flat name, value arrays starting with "length" or "name".
        var isMap = items.Length % 2 == 0 && items.Length > 0 && items[0].Type != RespType.Array && items[0].AsString() is "length" or "name";
        text.Append('[');
        if (isMap)
        {
            for (var i = 0; i + 1 < items.Length; i += 2)
            {
                var field = items[i].AsString() ?? "";
                if (!StreamFields.Contains(field)) continue;
                text.Append(field).Append('=');
                Render(items[i + 1], text);
            }
        }
        else
        {
            foreach (var item in items) Render(item, text);
        }
        text.Append(']');
    }

    /// <summary>Every hash field's absolute expiry (HPEXPIRETIME) is the same on both servers (Redis 7.4+).</summary>
    public static async Task AssertSameFieldTtlsAsync(RedisServer expected, RedisServer actual, int db)
    {
        await using var e = await expected.ConnectAsync();
        await using var a = await actual.ConnectAsync();
        await AssertSameFieldTtlsAsync(e, a, db);
    }

    /// <summary>Every hash field's absolute expiry (HPEXPIRETIME; -1 for none) is the same on both connections' servers, in database <paramref name="db"/>.</summary>
    public static async Task AssertSameFieldTtlsAsync(RedisConnection e, RedisConnection a, int db)
    {
        var withTtls = 0;
        foreach (var key in await KeysAsync(e, db))
        {
            await a.SelectAsync(db);
            await e.SelectAsync(db);
            if ((await e.Run("TYPE", key)).AsString() != "hash") continue;
            var fields = (await e.Run("HKEYS", key)).AsArray().Select(f => (RedisArg)f.Bytes!).ToList();
            RedisArg[] args = ["HPEXPIRETIME", key, "FIELDS", fields.Count, .. fields];
            var te = (await e.Run(args)).AsArray().Select(v => v.AsInt64()).ToArray();
            var ta = (await a.Run(args)).AsArray().Select(v => v.AsInt64()).ToArray();
            Assert.Equal(te, ta);
            withTtls += te.Count(t => t > 0);
        }
        Assert.True(withTtls > 100, $"{withTtls} fields with TTLs compared");
    }

    private static string Describe(byte[] key) => System.Text.Unicode.Utf8.IsValid(key) ? Encoding.UTF8.GetString(key) : Convert.ToHexString(key);
}
