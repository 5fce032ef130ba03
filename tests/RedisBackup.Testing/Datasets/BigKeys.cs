using RedisBackup.Engine.Redis;

namespace RedisBackup.Testing;

/// <summary>
/// The huge keys the memory bounds are measured with, one per case, built on the server: the benchmark's big-key
/// series (--big-keys) and the tests' BigKeyMemoryTests load exactly these.
/// </summary>
internal static class BigKeys
{
    /// <summary>Every case; the benchmark runs all but the stream (its series predates it).</summary>
    public static readonly string[] Cases = ["random-string", "zero-string", "setbit-bitmap", "hash-5m", "stream-5m"];

    /// <summary>The one huge key of <paramref name="kind"/>, named "big", with a one-hour TTL (a random string from a seeded generator, sent in 4 MB appends).</summary>
    public static async Task FillAsync(RedisServer server, string kind, CancellationToken ct)
    {
        await using var c = await server.ConnectAsync(ct);
        switch (kind)
        {
            case "random-string":
            {
                var rnd = new Random(11);
                var piece = new byte[4 << 20];
                for (var i = 0; i < 100; i++)
                {
                    rnd.NextBytes(piece);
                    await c.ExecuteAsync(ct, "APPEND", "big", piece);
                }
                break;
            }
            case "zero-string":
                await c.ExecuteAsync(ct, "SETRANGE", "big", 400L * 1024 * 1024 - 1, new byte[1]);
                break;
            case "setbit-bitmap":
                await c.ExecuteAsync(ct, "SETBIT", "big", 2415919103L, 1);
                break;
            case "hash-5m":
            {
                const int perCommand = 1000;
                for (var start = 0; start < 5_000_000; start += perCommand * 100)
                {
                    for (var batch = start; batch < start + perCommand * 100; batch += perCommand)
                    {
                        var args = new List<RedisArg>(2 + 2 * perCommand) { "HSET", "big" };
                        for (var i = batch; i < batch + perCommand; i++) { args.Add("field:" + i); args.Add("value-" + (i * 7919 % 100003)); }
                        c.WriteCommand([.. args]);
                    }
                    await c.FlushAsync(ct);
                    for (var i = 0; i < 100; i++) (await c.ReadReplyAsync(ct)).ThrowIfError();
                }
                Assert.Equal(5_000_000, (await c.ExecuteAsync(ct, "HLEN", "big")).AsInt64());
                break;
            }
            case "stream-5m":
            {
                // Entries of one random 40-character value each (random, so that the payload's LZF compression cannot
                // shrink it): the DUMP payload is over 200 MB, more than the bound by itself.
                const int perFlush = 10_000;
                var rnd = new Random(13);
                var text = new char[40];
                for (var start = 0; start < 5_000_000; start += perFlush)
                {
                    for (var i = start; i < start + perFlush; i++)
                    {
                        for (var j = 0; j < text.Length; j++) text[j] = (char)('a' + rnd.Next(26));
                        c.WriteCommand("XADD", "big", $"{1_700_000_000_000L + i / 4}-{i % 4}", "f", new string(text));
                    }
                    await c.FlushAsync(ct);
                    for (var i = 0; i < perFlush; i++) (await c.ReadReplyAsync(ct)).ThrowIfError();
                }
                Assert.Equal(5_000_000, (await c.ExecuteAsync(ct, "XLEN", "big")).AsInt64());
                await c.ExecuteAsync(ct, "XGROUP", "CREATE", "big", "workers", "0");
                await c.ExecuteAsync(ct, "XREADGROUP", "GROUP", "workers", "alice", "COUNT", 20_000, "STREAMS", "big", ">");
                Assert.True((await c.ExecuteAsync(ct, "DUMP", "big")).Bytes!.Length > 200L << 20);
                break;
            }
            default:
                throw new ArgumentException(kind, nameof(kind));
        }
        await c.ExecuteAsync(ct, "PEXPIRE", "big", 3_600_000);
    }
}
