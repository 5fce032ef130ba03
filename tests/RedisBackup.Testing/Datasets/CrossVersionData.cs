using System.Globalization;
using System.Text;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Testing;

/// <summary>
/// What the cross-version tests add to <see cref="Dataset"/> (databases 0, 1, 5): in database 2, streams in every shape
/// (deleted entries, several groups, consumers with and without pending entries, delivery counts above 1, a pending entry
/// whose message was deleted, empty streams with and without groups, a stream over several windows with a big pending
/// list, a stream with a TTL), strings over several windows (incompressible, and LZF-compressed in an RDB), and sorted
/// sets with the scores that are hardest to carry as text (subnormals, the largest double, signed zero, infinities).
/// </summary>
internal static class CrossVersionData
{
    public const int StreamDb = 2;

    /// <summary>Every database the data uses (field-TTL hashes of Redis 7.4 go into database 9, see <see cref="RdbTestSupport.PopulateFieldTtlsAsync"/>).</summary>
    public static readonly int[] Databases = [0, 1, 2, 5];

    public static readonly string[] OddScores =
    [
        "4.9406564584124654e-324", "2.2250738585072009e-308", "2.2250738585072014e-308", "1.7976931348623157e308", "-1e-320",
        "0.1", "0.30000000000000004", "-0", "0", "inf", "-inf", "1e308", "-1.5e-310", "9007199254740993", "123456789.123456789",
    ];

    /// <summary>Pending entries the data leaves whose message was deleted (no target can keep them).</summary>
    public const int PendingWithoutMessage = 1;

    /// <summary>Consumers in all the streams (a replay cannot set their seen/active times).</summary>
    public const int Consumers = 7;

    public static async Task FillAsync(RedisServer server)
    {
        await Dataset.FillAsync(server);
        await using var c = await server.ConnectAsync();
        await c.SelectAsync(StreamDb);
        var rnd = new Random(7);

        // A stream of mixed entries, two groups.
        await c.Run("XADD", "s:plain", "1-1", "a", "1", "b", "2");
        await c.Run("XADD", "s:plain", "1-2", "a", "3", "b", "4");
        await c.Run("XADD", "s:plain", "2-0", "c", "5");
        await c.Run("XADD", "s:plain", "3-0", "a", "1", "a", "2");
        await c.Run("XADD", "s:plain", "4-0", Dataset.Bytes(rnd, 9), Dataset.Bytes(rnd, 30), "", "");
        await c.Run("XADD", "s:plain", "5-0", "gone", "soon");
        await c.Run("XADD", "s:plain", "6-0", "z", "last");
        await c.Run("XDEL", "s:plain", "1-2");
        await c.Run("XGROUP", "CREATE", "s:plain", "g1", "0");
        await c.Run("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "s:plain", ">");
        await c.Run("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "s:plain", ">");
        await c.Run("XREADGROUP", "GROUP", "g1", "alice", "STREAMS", "s:plain", "0"); // delivered again: delivery count 2
        await c.Run("XACK", "s:plain", "g1", "2-0");
        await c.Run("XDEL", "s:plain", "5-0"); // bob's pending entry 5-0 loses its message
        await c.Run("XGROUP", "CREATE", "s:plain", "g2", "$");
        await c.Run("XGROUP", "CREATECONSUMER", "s:plain", "g2", "carol");
        await c.Run("XCLAIM", "s:plain", "g1", "erin", "0", "3-0", "RETRYCOUNT", "5"); // bob's 3-0 goes to erin, delivered 5 (+1) times

        // Empty streams: one made with MKSTREAM and holding a group, one whose entries were all deleted.
        await c.Run("XGROUP", "CREATE", "s:empty", "lonely", "$", "MKSTREAM");
        await c.Run("XADD", "s:emptied", "5-5", "f", "v");
        await c.Run("XDEL", "s:emptied", "5-5");

        // A stream over several windows, with deleted entries and a big pending list split among three consumers.
        for (var start = 0; start < 3000; start += 500)
        {
            for (var i = start; i < start + 500; i++)
                c.WriteCommand("XADD", "s:big", $"{1000 + i}-{i % 3}", "n", i.ToString(CultureInfo.InvariantCulture), "payload", Dataset.Bytes(rnd, 20 + (i % 40)));
            await c.FlushAsync();
            for (var i = start; i < start + 500; i++) (await c.ReadReplyAsync()).ThrowIfError();
        }
        for (var i = 0; i < 3000; i += 97) await c.Run("XDEL", "s:big", $"{1000 + i}-{i % 3}");
        await c.Run("XGROUP", "CREATE", "s:big", "workers", "0", "ENTRIESREAD", "0");
        foreach (var worker in new[] { "w1", "w2", "w3" })
            await c.Run("XREADGROUP", "GROUP", "workers", worker, "COUNT", "400", "STREAMS", "s:big", ">");

        await c.Run("XADD", "s:ttl", "7-7", "k", "v");
        await c.Run("PEXPIRE", "s:ttl", "1800000");

        // Strings over several windows: incompressible, and compressible (an RDB stores it LZF-compressed).
        await c.Run("SET", "str:random", Dataset.Bytes(rnd, 3 * 1024 * 1024 + 17));
        var pattern = new StringBuilder();
        while (pattern.Length < 5 * 1024 * 1024) pattern.Append("pattern-").Append(pattern.Length % 977).Append(';');
        await c.Run("SET", "str:compressible", pattern.ToString());
        await c.Run("SET", "str:lzf-small", "abcabcabcabcabcabcabcabcabcabcabcabcabcabc");

        // Scores that are hard to carry as text: small (listpack) and big (skiplist) sorted sets.
        var small = new List<RedisArg> { "ZADD", "zset:odd" };
        for (var i = 0; i < OddScores.Length; i++) { small.Add(OddScores[i]); small.Add("m" + i); }
        await c.Run([.. small]);
        var big = new List<RedisArg> { "ZADD", "zset:odd-big" };
        for (var i = 0; i < 300; i++) { big.Add(OddScores[i % OddScores.Length]); big.Add("m" + i); }
        await c.Run([.. big]);
        await c.SelectAsync(0);
    }
}
