using System.Globalization;
using System.Text;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Testing;

/// <summary>Helpers shared by the RDB tests: filling a real server with every type, saving it, and reading its keyspace.</summary>
internal static class RdbTestSupport
{
    public static Task<RespValue> Run(this RedisConnection c, params RedisArg[] args) => c.ExecuteAsync(CancellationToken.None, args);

    /// <summary>Fills databases 0, 1, 3 and 15 with every type Redis 7.0 writes, in small and large encodings, with and without TTLs.</summary>
    public static async Task PopulateAllTypesAsync(RedisConnection c)
    {
        await c.SelectAsync(0);
        // Strings: raw, int-encoded value, LZF-compressible, large incompressible, binary.
        await c.Run("SET", "str:small", "hello");
        await c.Run("SET", "str:int", "123456");
        await c.Run("SET", "str:negative", "-42");
        await c.Run("SET", "str:lzf", new string('a', 5000));
        await c.Run("SET", "str:marker", "crc-marker-" + new string('q', 10) + "-incompressible-0123456789");
        var random = new Random(42);
        var big = new byte[200_000];
        random.NextBytes(big);
        await c.Run("SET", "str:big", big);
        var huge = new byte[3_000_000]; // larger than the reader's 1 MB buffer: exercises growth and capture across refills
        random.NextBytes(huge);
        await c.Run("SET", "str:huge", huge);
        await c.Run("SET", new byte[] { 0, 1, 2, 0xFF, 0xFE }, new byte[] { 0xC3, 0x80, 0x00 });
        // Keys that are int-encoded, LZF-compressed or empty in the RDB.
        await c.Run("SET", "12345", "int key");
        await c.Run("SET", "-7", "negative int key");
        await c.Run("SET", "2147483647", "int32 max key");
        await c.Run("SET", "k" + new string('x', 200), "compressible key");
        await c.Run("SET", "", "empty key");

        // Lists: small listpack quicklist, big multi-node quicklist, plain nodes.
        await c.Run("RPUSH", "list:small", "a", "b", "c", "1", "2", "-3");
        for (var batch = 0; batch < 10; batch++)
        {
            var args = new List<RedisArg> { "RPUSH", "list:big" };
            for (var i = 0; i < 1000; i++) args.Add($"element-{batch}-{i}");
            await c.Run([.. args]);
        }
        await c.Run("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100");
        await c.Run("RPUSH", "list:plain", new string('p', 500), "small", new string('r', 300));
        await c.Run("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1073741824");

        // Sets: intset, hashtable.
        await c.Run("SADD", "set:int", "1", "5", "-100", "70000", "9000000000");
        var setArgs = new List<RedisArg> { "SADD", "set:big" };
        for (var i = 0; i < 600; i++) setArgs.Add("member-" + i);
        await c.Run([.. setArgs]);

        // Sorted sets: listpack, skiplist (binary scores).
        await c.Run("ZADD", "zset:small", "1", "one", "2.5", "two", "-inf", "low", "+inf", "high");
        var zArgs = new List<RedisArg> { "ZADD", "zset:big" };
        for (var i = 0; i < 500; i++) { zArgs.Add((i * 1.5).ToString(CultureInfo.InvariantCulture)); zArgs.Add("zm-" + i); }
        await c.Run([.. zArgs]);

        // Hashes: listpack, hashtable.
        await c.Run("HSET", "hash:small", "f1", "v1", "f2", "2", "f3", new string('z', 40));
        var hArgs = new List<RedisArg> { "HSET", "hash:big" };
        for (var i = 0; i < 700; i++) { hArgs.Add("field-" + i); hArgs.Add("value-" + i); }
        await c.Run([.. hArgs]);

        // Streams: entries, deletions, consumer groups with pending entries, an empty stream with a group.
        for (var i = 0; i < 300; i++) await c.Run("XADD", "stream:main", "*", "n", i, "payload", "data-" + i);
        await c.Run("XGROUP", "CREATE", "stream:main", "g1", "0");
        await c.Run("XGROUP", "CREATE", "stream:main", "g2", "$");
        await c.Run("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "10", "STREAMS", "stream:main", ">");
        await c.Run("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "5", "STREAMS", "stream:main", ">");
        var first = (await c.Run("XRANGE", "stream:main", "-", "+", "COUNT", "1")).AsArray()[0].AsArray()[0].AsString()!;
        await c.Run("XACK", "stream:main", "g1", first);
        await c.Run("XGROUP", "CREATE", "stream:empty", "g", "$", "MKSTREAM");
        await c.Run("XADD", "stream:trimmed", "1-1", "a", "1");
        await c.Run("XADD", "stream:trimmed", "2-1", "b", "2");
        await c.Run("XDEL", "stream:trimmed", "1-1");

        // A function library (FUNCTION2 opcode).
        await c.Run("FUNCTION", "LOAD", "#!lua name=rdbtestlib\nredis.register_function('rdbtest', function(keys, args) return 1 end)");

        // TTLs.
        await c.Run("SET", "ttl:str", "v", "PX", "86400000");
        await c.Run("RPUSH", "ttl:list", "x");
        await c.Run("EXPIRE", "ttl:list", "3600");
        await c.Run("HSET", "ttl:hash", "a", "b");
        await c.Run("PEXPIREAT", "ttl:hash", DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeMilliseconds());

        // Other databases.
        await c.SelectAsync(1);
        for (var i = 0; i < 50; i++) await c.Run("SET", "db1:" + i, i);
        for (var i = 0; i < 7; i++) await c.Run("EXPIRE", "db1:" + i, 1000 + i);
        await c.SelectAsync(3);
        await c.Run("SADD", "db3:set", "x", "y");
        await c.Run("ZADD", "db3:zset", "1", "m");
        await c.SelectAsync(15);
        await c.Run("SET", "db15:k", "v", "EX", "500");
        await c.SelectAsync(0);
    }

    /// <summary>True for a server with hash field expiration (Redis 7.4+): HPEXPIRE and friends.</summary>
    public static async Task<bool> HasFieldTtlsAsync(RedisConnection c)
        => (await c.Run("COMMAND", "INFO", "HPEXPIRE")).AsArray() is [{ IsNull: false }];

    /// <summary>
    /// On a server with hash field expiration, adds hashes whose fields have TTLs in database <paramref name="db"/>: a small
    /// one (listpack with TTLs, type 25), a big one (hashtable with TTLs, type 24) and one with a key TTL as well.
    /// Returns false, adding nothing, on other servers.
    /// </summary>
    public static async Task<bool> PopulateFieldTtlsAsync(RedisConnection c, int db = 0)
    {
        if (!await HasFieldTtlsAsync(c)) return false;
        await c.SelectAsync(db);
        var at = DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeMilliseconds();
        await c.Run("HSET", "hfe:small", "f1", "v1", "f2", "v2", "f3", "v3");
        await c.Run("HPEXPIREAT", "hfe:small", at, "FIELDS", "2", "f1", "f3");
        var big = new List<RedisArg> { "HSET", "hfe:big" };
        for (var i = 0; i < 600; i++) { big.Add("field-" + i); big.Add("value-" + i); }
        await c.Run([.. big]);
        for (var i = 0; i < 600; i += 6) await c.Run("HPEXPIREAT", "hfe:big", at + i, "FIELDS", "1", "field-" + i);
        await c.Run("HSET", "hfe:keyttl", "a", "1", "b", "2");
        await c.Run("HPEXPIRE", "hfe:keyttl", "3600000", "FIELDS", "2", "a", "b");
        await c.Run("PEXPIRE", "hfe:keyttl", "7200000");
        await c.SelectAsync(0);
        return true;
    }

    /// <summary>DEBUG POPULATE-style filler for throughput checks.</summary>
    public static async Task<Dictionary<int, (long Keys, long Expires)>> KeyspaceAsync(RedisConnection c)
    {
        var info = await c.InfoAsync("keyspace");
        var result = new Dictionary<int, (long, long)>();
        foreach (var (name, value) in info)
        {
            if (!name.StartsWith("db", StringComparison.Ordinal)) continue;
            var db = int.Parse(name[2..], CultureInfo.InvariantCulture);
            var fields = value.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
            result[db] = (fields["keys"], fields["expires"]);
        }
        return result;
    }

    /// <summary>SAVE, then the path the server wrote (from CONFIG GET dir + dbfilename).</summary>
    public static async Task<string> SaveAsync(RedisConnection c)
    {
        await c.Run("SAVE");
        var dir = await c.TryConfigGetAsync("dir") ?? throw new InvalidOperationException("CONFIG GET dir failed");
        var file = await c.TryConfigGetAsync("dbfilename") ?? throw new InvalidOperationException("CONFIG GET dbfilename failed");
        return Path.Combine(dir, file);
    }

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
