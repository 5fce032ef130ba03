using RedisBackup.Engine.Export;
using RedisBackup.Engine.Model;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>
/// Exact mode never holds a big key whole (issue 11 §5): a key whose DUMP payload is longer than the exact limit (the
/// reply is read and dropped unkept) is written as logical records in windows, each marked "logical":true, and restores
/// like any logical key; the keys under it stay DUMP payloads. A stream over it becomes logical stream records, marked
/// too (see <see cref="StreamRecordsExportTests"/>).
/// The limit is 16 MB; these tests lower it to 48 KiB so that small keys show the behaviour.
/// </summary>
public class ExactLimitTests
{
    private const long Limit = 48 * 1024;
    private static CancellationToken None => CancellationToken.None;

    private static async Task FillAsync(RedisServer server)
    {
        var rnd = new Random(7);
        await using var c = await server.ConnectAsync();
        await c.ExecuteAsync(None, "SET", "small", "v");
        await c.ExecuteAsync(None, "HSET", "small-hash", "f", "v");
        await c.ExecuteAsync(None, "SET", "big-string", Dataset.Bytes(rnd, 300_000));
        await c.ExecuteAsync(None, "PEXPIRE", "big-string", 3_600_000);
        await c.ExecuteAsync(None, "SETBIT", "bitmap", 8_000_000, 1); // 1 MB of mostly zero bytes, a payload of a few KB
        for (var i = 0; i < 6000; i += 500)
        {
            var hash = new List<RedisArg> { "HSET", "big-hash" };
            var list = new List<RedisArg> { "RPUSH", "big-list" };
            var set = new List<RedisArg> { "SADD", "big-set" };
            var zset = new List<RedisArg> { "ZADD", "big-zset" };
            for (var j = i; j < i + 500; j++)
            {
                hash.Add($"field:{j}"); hash.Add(Dataset.Bytes(rnd, 20));
                list.Add(Dataset.Bytes(rnd, 20));
                set.Add($"member:{j}:{rnd.Next()}");
                zset.Add((j * 0.25).ToString(System.Globalization.CultureInfo.InvariantCulture)); zset.Add($"m{j}");
            }
            await c.ExecuteAsync(None, [.. hash]);
            await c.ExecuteAsync(None, [.. list]);
            await c.ExecuteAsync(None, [.. set]);
            await c.ExecuteAsync(None, [.. zset]);
        }
        for (var i = 0; i < 3000; i++) await c.ExecuteAsync(None, "XADD", "big-stream", "*", "field", Dataset.Bytes(rnd, 30));
    }

    private static readonly string[] BigLogical = ["big-hash", "big-list", "big-set", "big-string", "big-zset"];

    [Fact]
    public async Task Keys_over_the_limit_are_logical_records_marked_so_and_restore_identically()
    {
        await using var source = await RedisServer.StartAsync();
        await FillAsync(source);
        using var dir = new TempDirectory();
        var path = dir.Combine("exact.jsonl.gz");
        var summary = await KeyFiles.ExportAsync(source, path, new KeyExportOptions { Exact = true, ExactLimit = Limit });
        Assert.Equal(9, summary.Keys);
        Assert.Equal(BigLogical.Length + 1, summary.LogicalKeys); // and the stream
        Assert.Equal(1, summary.StreamsAsRecords);
        AssertForms(path);

        await using (var f = File.OpenRead(path)) Assert.Equal(9, (await KeyFileVerifier.VerifyAsync(f)).Keys);
        await using var target = await RedisServer.StartAsync();
        var result = await KeyFiles.RestoreAsync(path, target.Endpoint);
        Assert.True(result.Success);
        Assert.Equal(9, result.Restored);
        await ServerComparison.AssertIdenticalAsync(source, target, [0]);
    }

    [Fact]
    public async Task With_a_type_filter_only_the_chosen_types_are_read_and_the_big_ones_go_logical()
    {
        await using var source = await RedisServer.StartAsync();
        await FillAsync(source);
        using var dir = new TempDirectory();
        var path = dir.Combine("exact.jsonl.gz");
        var summary = await KeyFiles.ExportAsync(source, path, new KeyExportOptions { Exact = true, ExactLimit = Limit, Types = ["hash", "stream"] });
        Assert.Equal(3, summary.Keys); // big-hash, small-hash, big-stream
        Assert.Equal(2, summary.LogicalKeys); // big-hash and big-stream
        await using var target = await RedisServer.StartAsync();
        Assert.True((await KeyFiles.RestoreAsync(path, target.Endpoint)).Success);
        foreach (var key in new[] { "big-hash", "small-hash", "big-stream" })
            Assert.Equal((await KeyFiles.RunAsync(source, 0, "DEBUG", "DIGEST-VALUE", key)).AsArray()[0].AsString(),
                (await KeyFiles.RunAsync(target, 0, "DEBUG", "DIGEST-VALUE", key)).AsArray()[0].AsString());
        Assert.Equal(3, await ServerComparison.DbSizeAsync(target, 0));
    }

    [ServerFact("redis-7.4")]
    public async Task A_hash_over_the_limit_keeps_its_field_ttls()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        var rnd = new Random(3);
        await using (var c = await source.ConnectAsync())
        {
            var hash = new List<RedisArg> { "HSET", "big-hash" };
            for (var j = 0; j < 5000; j++) { hash.Add($"field:{j}"); hash.Add(Dataset.Bytes(rnd, 30)); }
            await c.ExecuteAsync(None, [.. hash]);
            await c.ExecuteAsync(None, "HPEXPIRE", "big-hash", 3_600_000, "FIELDS", 2, "field:1", "field:4999");
        }
        using var dir = new TempDirectory();
        var path = dir.Combine("exact.jsonl.gz");
        var summary = await KeyFiles.ExportAsync(source, path, new KeyExportOptions { Exact = true, ExactLimit = Limit });
        Assert.Equal(1, summary.LogicalKeys);
        Assert.Equal(2, summary.FieldTtls);
        await using var target = await RedisServer.StartVersionAsync("redis-7.4");
        var result = await KeyFiles.RestoreAsync(path, target.Endpoint);
        Assert.Equal(2, result.FieldTtlsKept);
        await ServerComparison.AssertIdenticalAsync(source, target, [0]);
        foreach (var field in new[] { "field:1", "field:4999", "field:2" })
            Assert.Equal((await KeyFiles.RunAsync(source, 0, "HPEXPIRETIME", "big-hash", "FIELDS", 1, field)).AsArray()[0].AsInt64(),
                (await KeyFiles.RunAsync(target, 0, "HPEXPIRETIME", "big-hash", "FIELDS", 1, field)).AsArray()[0].AsInt64());
    }

    /// <summary>Every record of a big key is logical and marked (the stream's hold stream parts); small keys and the bitmap (a small payload) are DUMP records.</summary>
    private static void AssertForms(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        var seen = new Dictionary<string, (int Records, bool Logical)>();
        while (reader.ReadLine() is { } line)
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            if (r.GetProperty("rec").GetString() != "key") continue;
            var key = r.GetProperty("key").GetString()!;
            var logical = r.TryGetProperty("logical", out var marker) && marker.GetBoolean();
            Assert.Equal(logical, r.TryGetProperty(key == "big-stream" ? "stream" : "value", out _));
            Assert.Equal(!logical, r.TryGetProperty("dump", out _));
            if (seen.TryGetValue(key, out var before)) Assert.Equal(before.Logical, logical);
            seen[key] = (before.Records + 1, logical);
        }
        Assert.Equal(BigLogical.Append("big-stream").Order(StringComparer.Ordinal), seen.Where(p => p.Value.Logical).Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.All(BigLogical.Where(k => k != "big-string" && k != "bitmap"), k => Assert.True(seen[k].Records > 1, $"{k}: {seen[k].Records} records"));
        Assert.True(seen["big-stream"].Records > 1);
        Assert.False(seen["small"].Logical);
        Assert.False(seen["bitmap"].Logical); // 1 MB, but its payload (LZF) is a few KB: exact as a DUMP
    }
}
