using System.Text;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Testing;

/// <summary>Fills servers with every kind of data the key-level format must carry (<see cref="ServerComparison"/> compares them).</summary>
internal static class Dataset
{
    public static readonly string[] ZsetScores = ["0.1", "1e308", "-inf", "+inf", "3.141592653589793238", "1e-300", "-0", "42", "2.5e-10", "123456789012345678"];

    public static Task FillAsync(RedisServer server, int seed = 1) => FillAsync(server.Endpoint, seed);

    /// <summary>The same data into any server, such as a container's published port.</summary>
    public static async Task FillAsync(RedisEndpoint endpoint, int seed = 1)
    {
        var rnd = new Random(seed);
        await using var c = await RedisConnection.ConnectAsync(endpoint);
        var ct = CancellationToken.None;
        foreach (var db in new[] { 0, 1, 5 })
        {
            await c.SelectAsync(db, ct);
            await c.ExecuteAsync(ct, "SET", "text", "héllo wörld ✓ " + db);
            await c.ExecuteAsync(ct, "SET", Bytes(rnd, 40), Bytes(rnd, 300)); // random binary key and value
            await c.ExecuteAsync(ct, "SET", new byte[] { 0xff, 0xfe, 0x00, 0x41 }, new byte[] { 0xc3, 0x28, 0x00, 0x00, 0xa0, 0xa1 }); // invalid UTF-8, NULs
            await c.ExecuteAsync(ct, "SET", "with\0nul", "a\0b\r\n\"quoted\"\\");
            await c.ExecuteAsync(ct, "SET", "empty-value", "");
            await c.ExecuteAsync(ct, "SET", "", "the empty key " + db);
            await c.ExecuteAsync(ct, "SET", "int", "12345");
            await c.ExecuteAsync(ct, "HSET", "hash:small", "a", "1", "b", "2", "binary", new byte[] { 0x80, 0x81 }, new byte[] { 0xff }, "x");
            for (var i = 0; i < 5; i++)
            {
                var vec = new byte[2048];
                var floats = new float[512];
                for (var j = 0; j < floats.Length; j++) floats[j] = (float)(rnd.NextDouble() * 2 - 1);
                Buffer.BlockCopy(floats, 0, vec, 0, vec.Length);
                await c.ExecuteAsync(ct, "HSET", $"vec:{i}", "embedding", vec, "id", i.ToString());
            }
            await c.ExecuteAsync(ct, "RPUSH", "list", "a", "b", "", "c", Bytes(rnd, 10));
            await c.ExecuteAsync(ct, "SADD", "set:text", "x", "y", "z", "");
            await c.ExecuteAsync(ct, "SADD", "set:ints", "1", "2", "3", "-7");
            var zadd = new List<RedisArg> { "ZADD", "zset" };
            for (var i = 0; i < ZsetScores.Length; i++) { zadd.Add(ZsetScores[i]); zadd.Add("m" + i); }
            await c.ExecuteAsync(ct, [.. zadd]);
            // A zset big enough to be a skiplist, with awkward scores.
            var zbig = new List<RedisArg> { "ZADD", "zset:skiplist" };
            for (var i = 0; i < 300; i++) { zbig.Add((i * 0.1).ToString("R", System.Globalization.CultureInfo.InvariantCulture)); zbig.Add("m" + i); }
            zbig.Add("1e-300"); zbig.Add("tiny");
            zbig.Add("3.141592653589793238"); zbig.Add("pi");
            await c.ExecuteAsync(ct, [.. zbig]);
            // Stream with a consumer group, pending entries and a consumer.
            await c.ExecuteAsync(ct, "XADD", "stream", "1-1", "f", "v1");
            await c.ExecuteAsync(ct, "XADD", "stream", "2-1", "f", "v2", "g", Bytes(rnd, 20));
            await c.ExecuteAsync(ct, "XADD", "stream", "3-0", "f", "v3");
            await c.ExecuteAsync(ct, "XGROUP", "CREATE", "stream", "grp", "0");
            await c.ExecuteAsync(ct, "XREADGROUP", "GROUP", "grp", "alice", "COUNT", "2", "STREAMS", "stream", ">");
            // TTLs.
            await c.ExecuteAsync(ct, "SET", "ttl:string", "v", "PX", "600000");
            await c.ExecuteAsync(ct, "HSET", "ttl:hash", "f", "v");
            await c.ExecuteAsync(ct, "PEXPIRE", "ttl:hash", "900000");
            await c.ExecuteAsync(ct, "RPUSH", "ttl:list", "1", "2");
            await c.ExecuteAsync(ct, "EXPIRE", "ttl:list", "3600");
            // Collections bigger than one chunk.
            var biglist = new List<RedisArg> { "RPUSH", "big:list" };
            for (var i = 0; i < 4500; i++) biglist.Add("item" + i);
            await c.ExecuteAsync(ct, [.. biglist]);
            var bigset = new List<RedisArg> { "SADD", "big:set" };
            for (var i = 0; i < 5000; i++) bigset.Add("member" + i);
            await c.ExecuteAsync(ct, [.. bigset]);
            var bigzset = new List<RedisArg> { "ZADD", "big:zset" };
            for (var i = 0; i < 4001; i++) { bigzset.Add((i / 3.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture)); bigzset.Add("z" + i); }
            await c.ExecuteAsync(ct, [.. bigzset]);
            var bighash = new List<RedisArg> { "HSET", "big:hash" };
            for (var i = 0; i < 6000; i++) { bighash.Add("field" + i); bighash.Add(Bytes(rnd, 8)); }
            await c.ExecuteAsync(ct, [.. bighash]);
            await c.ExecuteAsync(ct, "PEXPIRE", "big:hash", "1200000");
        }
    }

    public static byte[] Bytes(Random rnd, int n)
    {
        var b = new byte[n];
        rnd.NextBytes(b);
        return b;
    }
}
