using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Redis;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Restore;

/// <summary>
/// The listpack, quicklist2 and intset payloads built for logical keys, compared byte for byte with the payloads the
/// server itself DUMPs for the same data, then restored and compared by digest.
/// </summary>
public class CompactPayloadTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    // Integer-looking and not-quite-integer strings around every listpack encoding boundary.
    private static readonly string[] Edgy =
    [
        "0", "1", "127", "128", "-1", "4095", "4096", "-4096", "-4097", "32767", "32768", "-32768", "-32769",
        "8388607", "8388608", "-8388608", "-8388609", "2147483647", "2147483648", "-2147483648", "-2147483649",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "007", "+5", "-0", " 1", "1 ", "", "x", "1.5", "1e3", "abc",
        new string('a', 63), new string('b', 64),
    ];

    private static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    private static async Task<byte[]> Dump(RedisConnection c, string key) => (await c.ExecuteAsync(None, "DUMP", key)).Bytes!;

    private static async Task<List<byte[]>> Items(RedisConnection c, params RedisArg[] command)
        => (await c.ExecuteAsync(None, command)).AsArray().Select(v => v.Bytes!).ToList();

    private static KeyRecord Record(string type, IEnumerable<byte[]> items)
    {
        var r = new KeyRecord { Key = B("k"), Type = type };
        r.Items.AddRange(items);
        return r;
    }

    [Fact]
    public async Task Payloads_equal_the_servers_own_dumps()
    {
        // rdbcompression off: DUMP then holds the blobs as they are, not LZF-compressed.
        await using var server = await RedisServer.StartAsync("--list-max-listpack-size", "-5", "--hash-max-listpack-entries", "128", "--rdbcompression", "no");
        await using var c = await server.ConnectAsync();
        var limits = await CompactLimits.ReadAsync(c, None);
        Assert.NotNull(limits);
        Assert.True(limits.Listpacks);
        Assert.Equal((128, 64, 128, 64, -5, 512), (limits.HashEntries, limits.HashValue, limits.ZsetEntries, limits.ZsetValue, limits.ListSize, limits.IntsetEntries));

        // hash: fields and values from the edge list (values up to the 64-byte limit)
        var hashArgs = new List<RedisArg> { "HSET", "h" };
        for (var i = 0; i < Edgy.Length; i++) { hashArgs.Add("f" + i); hashArgs.Add(Edgy[i]); }
        hashArgs.Add("-7"); hashArgs.Add("integer field");
        await c.ExecuteAsync(None, [.. hashArgs]);
        Assert.Equal("listpack", (await c.ExecuteAsync(None, "OBJECT", "ENCODING", "h")).AsString());
        var ours = LogicalPayload.TryCreate(Record("hash", await Items(c, "HGETALL", "h")), limits);
        Assert.Equal(await Dump(c, "h"), ours);

        // list: edge items plus strings needing 12-bit and 32-bit lengths and 2- and 3-byte back-lengths
        var listArgs = new List<RedisArg> { "RPUSH", "l" };
        listArgs.AddRange(Edgy.Select(e => (RedisArg)e));
        listArgs.Add(new string('c', 200));
        listArgs.Add(new string('d', 5000));
        listArgs.Add(new string('e', 20000));
        await c.ExecuteAsync(None, [.. listArgs]);
        Assert.Equal(1, (await c.ExecuteAsync(None, "OBJECT", "ENCODING", "l")).AsString() == "quicklist" ? 1 : 0);
        ours = LogicalPayload.TryCreate(Record("list", await Items(c, "LRANGE", "l", 0, -1)), limits);
        Assert.Equal(await Dump(c, "l"), ours);

        // zset: scores of every kind, ties broken by member bytes; fed to the builder in reverse order
        await c.ExecuteAsync(None, "ZADD", "z", "0", "zero", "-0", "negzero", "1", "b", "1", "a", "1", "ab", "-4096", "m1", "1.5", "m2",
            "4503599627370495", "m3", "4503599627370496", "m4", "9007199254740993", "m5", "1e20", "m6", "-inf", "m7", "+inf", "m8",
            "0.1", "m9", "-2.5e-7", "m10", "33", "m11");
        Assert.Equal("listpack", (await c.ExecuteAsync(None, "OBJECT", "ENCODING", "z")).AsString());
        var zItems = await Items(c, "ZRANGE", "z", 0, -1, "WITHSCORES");
        var reversed = new List<byte[]>();
        for (var i = zItems.Count - 2; i >= 0; i -= 2) { reversed.Add(zItems[i]); reversed.Add(zItems[i + 1]); }
        ours = LogicalPayload.TryCreate(Record("zset", reversed), limits);
        Assert.Equal(await Dump(c, "z"), ours);

        // set of integers: an intset, 16-, 32- and 64-bit wide
        foreach (var (key, members) in new[] { ("s16", new[] { "5", "-3", "32767", "-32768", "0" }), ("s32", new[] { "1", "2147483647", "-40000" }), ("s64", new[] { "9223372036854775807", "-1", "7" }) })
        {
            await c.ExecuteAsync(None, ["SADD", key, .. members.Select(m => (RedisArg)m)]);
            Assert.Equal("intset", (await c.ExecuteAsync(None, "OBJECT", "ENCODING", key)).AsString());
            ours = LogicalPayload.TryCreate(Record("set", members.Select(B)), limits)!;
            var theirs = await Dump(c, key);
            Assert.Equal(theirs.AsSpan(0, theirs.Length - 10).ToArray(), ours.AsSpan(0, ours.Length - 10).ToArray()); // same type and blob; the version stamp differs
        }
    }

    [ServerFact("redis-7.4")]
    public async Task Hash_listpack_ex_payloads_equal_the_servers_own_dumps()
    {
        // Redis 7.4 keeps a small hash with field TTLs as a listpack of field, value, expiry triplets, sorted by expiry
        // (ties newest first, as HPEXPIREAT inserts them), fields without one last; DUMP writes it as type 25.
        await using var server = await RedisServer.StartVersionAsync("redis-7.4", "--rdbcompression", "no");
        await using var c = await server.ConnectAsync();
        var limits = await CompactLimits.ReadAsync(c, None);
        Assert.NotNull(limits);
        Assert.Equal(12, limits.ReadableVersion);
        var t = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 + 86_400) * 1000;

        var hashArgs = new List<RedisArg> { "HSET", "h" };
        for (var i = 0; i < Edgy.Length; i++) { hashArgs.Add("f" + i); hashArgs.Add(Edgy[i]); }
        hashArgs.Add("-7"); hashArgs.Add("integer field");
        await c.ExecuteAsync(None, [.. hashArgs]);
        await c.ExecuteAsync(None, "HPEXPIREAT", "h", t + 5000, "FIELDS", 3, "f3", "f1", "f20");
        await c.ExecuteAsync(None, "HPEXPIREAT", "h", t + 1, "FIELDS", 1, "-7");
        await c.ExecuteAsync(None, "HPEXPIREAT", "h", t + 9_000_000_000, "FIELDS", 1, "f0");
        await c.ExecuteAsync(None, "HPEXPIREAT", "h", t + 5000, "FIELDS", 1, "f30");
        await c.ExecuteAsync(None, "HSET", "h", "late", "added after the expiries");
        Assert.Equal("listpackex", (await c.ExecuteAsync(None, "OBJECT", "ENCODING", "h")).AsString());

        // The record as the export reads it: HSCAN order, HPEXPIRETIME (-1 becomes 0).
        var pairs = (await c.ExecuteAsync(None, "HSCAN", "h", "0", "COUNT", 1000)).AsArray()[1].AsArray().Select(v => v.Bytes!).ToList();
        var fields = Enumerable.Range(0, pairs.Count / 2).Select(i => pairs[2 * i]).ToList();
        RedisArg[] ExpireTimes(IEnumerable<byte[]> names) => ["HPEXPIRETIME", "h", "FIELDS", fields.Count, .. names.Select(f => (RedisArg)f)];
        var times = (await c.ExecuteAsync(None, ExpireTimes(fields))).AsArray().Select(v => Math.Max(v.AsInt64(), 0)).ToList();
        var record = Record("hash", pairs);
        record.FieldExpireAt = times;
        Assert.Equal(await Dump(c, "h"), LogicalPayload.TryCreateWithFieldExpiry(record, limits));

        // Handed over in reverse (as from a hashtable source), it is still sorted by expiry, and loads with every expiry.
        var reversed = Record("hash", Enumerable.Range(0, fields.Count).Reverse().SelectMany(i => new[] { pairs[2 * i], pairs[2 * i + 1] }));
        reversed.FieldExpireAt = Enumerable.Reverse(times).ToList();
        await using var other = await RedisServer.StartVersionAsync("redis-7.4");
        await using var o = await other.ConnectAsync();
        await o.ExecuteAsync(None, "RESTORE", "h", 0, LogicalPayload.TryCreateWithFieldExpiry(reversed, limits)!);
        Assert.Equal(times.Select(x => x == 0 ? -1 : x), (await o.ExecuteAsync(None, ExpireTimes(fields))).AsArray().Select(v => v.AsInt64()));
        Assert.Equal((await c.ExecuteAsync(None, "DEBUG", "DIGEST-VALUE", "h")).AsArray()[0].AsString(), (await o.ExecuteAsync(None, "DEBUG", "DIGEST-VALUE", "h")).AsArray()[0].AsString());
        var stored = (await o.ExecuteAsync(None, "HGETALL", "h")).AsArray().Where((_, i) => i % 2 == 0).Select(v => v.Bytes!).ToList();
        var storedTimes = (await o.ExecuteAsync(None, ["HPEXPIRETIME", "h", "FIELDS", stored.Count, .. stored.Select(f => (RedisArg)f)])).AsArray()
            .Select(v => v.AsInt64() < 0 ? long.MaxValue : v.AsInt64()).ToList();
        Assert.Equal(storedTimes.Order(), storedTimes); // the listpack order: by expiry, those without one last

        // Beyond the limits, without known limits, or for a target that is not Redis 7.4+: no payload (typed writes instead).
        Assert.Null(LogicalPayload.TryCreateWithFieldExpiry(record, limits with { HashEntries = 3 }));
        Assert.Null(LogicalPayload.TryCreateWithFieldExpiry(record, null));
        Assert.Null(LogicalPayload.TryCreateWithFieldExpiry(record, limits with { ReadableVersion = 11 }));
        Assert.Null(LogicalPayload.TryCreateWithFieldExpiry(record, limits with { ReadableVersion = 80 }));
    }

    [Fact]
    public async Task Keys_beyond_the_targets_limits_use_plain_types_and_everything_restores_identically()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync("--hash-max-listpack-entries", "4", "--zset-max-listpack-value", "8", "--set-max-intset-entries", "3", "--list-max-listpack-size", "2");
        await using var s = await source.ConnectAsync();
        await using var t = await target.ConnectAsync();
        var limits = (await CompactLimits.ReadAsync(t, None))!;
        Assert.Equal((4, 8, 3, 2), (limits.HashEntries, limits.ZsetValue, limits.IntsetEntries, limits.ListSize));

        await s.ExecuteAsync(None, "HSET", "hsmall", "a", "1", "b", "2");
        await s.ExecuteAsync(None, "HSET", "hbig", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5");
        await s.ExecuteAsync(None, "ZADD", "zshort", "1", "abc", "2.5", "def");
        await s.ExecuteAsync(None, "ZADD", "zlong", "1", "a-member-longer-than-8", "2", "b");
        await s.ExecuteAsync(None, "SADD", "ismall", "1", "2", "3");
        await s.ExecuteAsync(None, "SADD", "ibig", "1", "2", "3", "4");
        await s.ExecuteAsync(None, "SADD", "strings", "x", "1", "y");
        await s.ExecuteAsync(None, "RPUSH", "lsmall", "a", "b");
        await s.ExecuteAsync(None, "RPUSH", "lbig", "a", "b", "c");

        var expectType = new Dictionary<string, byte>
        {
            ["hsmall"] = 16, ["hbig"] = 4, ["zshort"] = 17, ["zlong"] = 3, ["ismall"] = 11, ["ibig"] = 2, ["strings"] = 2, ["lsmall"] = 18, ["lbig"] = 1,
        };
        foreach (var (key, type) in expectType)
        {
            var kind = (await s.ExecuteAsync(None, "TYPE", key)).AsString()!;
            List<byte[]> items = kind switch
            {
                "hash" => await Items(s, "HGETALL", key),
                "zset" => await Items(s, "ZRANGE", key, 0, -1, "WITHSCORES"),
                "set" => await Items(s, "SMEMBERS", key),
                _ => await Items(s, "LRANGE", key, 0, -1),
            };
            var record = Record(kind, items);
            record.Key = B(key);
            var payload = LogicalPayload.TryCreate(record, limits)!;
            Assert.True(type == payload[0], $"{key}: type {payload[0]}, expected {type}");
            await t.ExecuteAsync(None, "RESTORE", key, 0, payload);
            Assert.Equal((await s.ExecuteAsync(None, "DEBUG", "DIGEST-VALUE", key)).AsArray()[0].AsString(),
                (await t.ExecuteAsync(None, "DEBUG", "DIGEST-VALUE", key)).AsArray()[0].AsString());
        }
    }

    [Fact]
    public async Task Without_known_limits_only_plain_types_are_built()
    {
        await using var server = await RedisServer.StartAsync("--rename-command", "CONFIG", "\"\"");
        await using var c = await server.ConnectAsync();
        Assert.Null(await CompactLimits.ReadAsync(c, None));
        var payload = LogicalPayload.TryCreate(Record("hash", [B("f"), B("v")]), null)!;
        Assert.Equal(4, payload[0]);
        Assert.Equal(LogicalPayload.StampedVersion, BitConverter.ToUInt16(payload, payload.Length - 10));
    }

    [Fact]
    public void Repeated_fields_or_members_never_become_a_compact_blob()
    {
        // A damaged or foreign backup may repeat a member; a listpack or intset would hold it twice, where the plain
        // types make the server refuse the key (counted as failed) instead of storing a corrupt value.
        var limits = new CompactLimits { ReadableVersion = 11, HashEntries = 128, HashValue = 64, ZsetEntries = 128, ZsetValue = 64, ListSize = -2, IntsetEntries = 512, SetEntries = 128, SetValue = 64 };
        Assert.Equal(3, LogicalPayload.TryCreate(Record("zset", [B("a"), B("1"), B("b"), B("2"), B("a"), B("3")]), limits)![0]);
        Assert.Equal(17, LogicalPayload.TryCreate(Record("zset", [B("a"), B("1"), B("b"), B("2"), B("c"), B("3")]), limits)![0]);
        Assert.Equal(4, LogicalPayload.TryCreate(Record("hash", [B("f"), B("1"), B("g"), B("2"), B("f"), B("3")]), limits)![0]);
        Assert.Equal(2, LogicalPayload.TryCreate(Record("set", [B("7"), B("8"), B("7")]), limits)![0]);
        Assert.Equal(2, LogicalPayload.TryCreate(Record("set", [B("x"), B("y"), B("x")]), limits)![0]);
        Assert.Equal(20, LogicalPayload.TryCreate(Record("set", [B("x"), B("y")]), limits)![0]);
        Assert.Equal(11, LogicalPayload.TryCreate(Record("set", [B("8"), B("7")]), limits)![0]);
    }

    [Theory]
    [InlineData("0", true, 0L)]
    [InlineData("-9223372036854775808", true, long.MinValue)]
    [InlineData("9223372036854775807", true, long.MaxValue)]
    [InlineData("9223372036854775808", false, 0L)]
    [InlineData("-0", false, 0L)]
    [InlineData("01", false, 0L)]
    [InlineData("+1", false, 0L)]
    [InlineData("1a", false, 0L)]
    [InlineData("", false, 0L)]
    [InlineData("-", false, 0L)]
    public void Integers_are_recognised_as_Redis_does(string text, bool isInteger, long value)
    {
        Assert.Equal(isInteger, ListpackEncoding.TryParseInteger(B(text), out var v));
        if (isInteger) Assert.Equal(value, v);
    }
}
