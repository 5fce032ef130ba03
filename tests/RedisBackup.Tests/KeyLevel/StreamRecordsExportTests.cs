using System.IO.Compression;
using System.Text;
using System.Text.Json;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Decode;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>
/// A key-level export never holds a big stream whole (issue 11 §5): a stream whose DUMP payload is longer than the exact
/// limit (16 MB; lowered here to 64 KiB) is written, in logical and in exact mode, as the logical stream records convert
/// writes (entries in XRANGE windows, its state, each group, its consumers and their pending entries), and the header
/// requires "streamRecords" whenever the exported databases hold a stream. Restored into the same version, the stream is
/// the same: entries by DEBUG DIGEST-VALUE, and last ID, counters, groups (last delivered ID, entries read), consumers
/// and pending entries (owner, delivery time, delivery count) by XINFO STREAM FULL.
/// </summary>
public class StreamRecordsExportTests
{
    private const long Limit = 64 * 1024;
    private const int Entries = 300_000;
    private static CancellationToken None => CancellationToken.None;

    [ServerTheory(Timeout = 15 * 60 * 1000)]
    [MemberData(nameof(ServerVersions.Names), MemberType = typeof(ServerVersions))]
    public async Task A_big_stream_is_written_as_stream_records_and_restores_the_same(string version)
    {
        await using var source = await RedisServer.StartVersionAsync(version);
        await FillAsync(source);
        using var dir = new TempDirectory();
        foreach (var exact in new[] { false, true })
        {
            var path = dir.Combine(exact ? "exact.jsonl.gz" : "logical.jsonl.gz");
            var summary = await KeyFiles.ExportAsync(source, path, new KeyExportOptions { Exact = exact, ExactLimit = Limit });
            Assert.Equal(4, summary.Keys);
            Assert.Equal(1, summary.StreamsAsRecords);
            Assert.Equal(exact ? 1 : 0, summary.LogicalKeys);
            await using (var f = File.OpenRead(path))
            {
                var check = await KeyFileVerifier.VerifyAsync(f);
                Assert.Contains(KeyFileFormat.StreamRecordsRequirement, check.Requires);
                Assert.Equal(4, check.Keys);
            }
            var forms = Forms(path);
            Assert.True(forms["s:big"].StreamParts > Entries / LiveStreamReader.EntryWindow, $"{forms["s:big"].StreamParts} stream records");
            Assert.Equal(forms["s:big"].Records, forms["s:big"].StreamParts);
            Assert.Equal(exact ? forms["s:big"].Records : 0, forms["s:big"].MarkedLogical);
            Assert.Equal((1, 0), (forms["s:small"].Dumps, forms["s:small"].StreamParts)); // under the limit: its DUMP payload

            await using var target = await RedisServer.StartVersionAsync(version);
            var result = await KeyFiles.RestoreAsync(path, target.Endpoint);
            Assert.True(result.Success, string.Join("; ", result.Failures.Select(x => x.Reason)));
            Assert.Equal((4L, 0L), (result.Restored, result.Failed));
            await ServerComparison.AssertSameAsync(source, target, [0], sameDigests: true);
        }
    }

    [Fact(Timeout = 5 * 60 * 1000)]
    public async Task The_header_requires_stream_records_only_when_the_exported_databases_hold_a_stream()
    {
        await using var source = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(source, 0, "HSET", "h", "f", "v");
        await KeyFiles.RunAsync(source, 1, "SET", "s", "v");
        using var dir = new TempDirectory();

        async Task<IReadOnlyList<string>> Requires(KeyExportOptions options)
        {
            var path = dir.Combine(Guid.NewGuid().ToString("N") + ".jsonl.gz");
            await KeyFiles.ExportAsync(source, path, options);
            await using var f = File.OpenRead(path);
            return (await KeyFileVerifier.VerifyAsync(f)).Requires;
        }

        Assert.Empty(await Requires(new KeyExportOptions())); // no stream: a version 1 file every release reads
        await KeyFiles.RunAsync(source, 1, "XADD", "small-stream", "1-1", "f", "v");
        Assert.Equal([KeyFileFormat.StreamRecordsRequirement], await Requires(new KeyExportOptions()));
        Assert.Equal([KeyFileFormat.StreamRecordsRequirement], await Requires(new KeyExportOptions { Exact = true }));
        Assert.Empty(await Requires(new KeyExportOptions { Databases = [0] }));
        Assert.Empty(await Requires(new KeyExportOptions { Types = ["hash", "string"] }));
        Assert.Empty(await Requires(new KeyExportOptions { Match = "s" }));
        Assert.Equal([KeyFileFormat.StreamRecordsRequirement], await Requires(new KeyExportOptions { Types = ["stream"] }));
    }

    [Fact(Timeout = 5 * 60 * 1000)]
    public async Task A_stream_with_no_entries_left_and_groups_round_trips()
    {
        await using var source = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync())
        {
            var rnd = new Random(5);
            for (var i = 1; i <= 3000; i++) c.WriteCommand("XADD", "s:empty", $"{i}-0", "p", Dataset.Bytes(rnd, 40));
            await c.FlushAsync();
            for (var i = 0; i < 3000; i++) (await c.ReadReplyAsync()).ThrowIfError();
            await c.ExecuteAsync(None, "XGROUP", "CREATE", "s:empty", "g", "0");
            await c.ExecuteAsync(None, "XGROUP", "CREATECONSUMER", "s:empty", "g", "nobody");
        }
        using var dir = new TempDirectory();
        // ExactLimit 1: every stream goes as stream records; first with its entries, then with every entry trimmed away.
        foreach (var trimmed in new[] { false, true })
        {
            if (trimmed) await KeyFiles.RunAsync(source, 0, "XTRIM", "s:empty", "MAXLEN", "0");
            var path = dir.Combine($"{trimmed}.jsonl.gz");
            var summary = await KeyFiles.ExportAsync(source, path, new KeyExportOptions { ExactLimit = 1 });
            Assert.Equal(1, summary.StreamsAsRecords);
            await using var target = await RedisServer.StartAsync();
            Assert.True((await KeyFiles.RestoreAsync(path, target.Endpoint)).Success);
            await ServerComparison.AssertSameAsync(source, target, [0], sameDigests: true);
        }
    }

    /// <summary>
    /// s:big: entries with deletions (max deleted ID, a recorded first ID), a TTL, three groups (one at an ID whose
    /// entries-read is unknown), consumers with more pending entries than one window, claimed entries with delivery
    /// counts, a consumer without pending entries, binary names. s:small stays under the limit; a string; a list.
    /// </summary>
    internal static async Task FillAsync(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        var rnd = new Random(17);
        const long baseMs = 1_700_000_000_000;
        for (var start = 0; start < Entries; start += 1000)
        {
            for (var i = start; i < start + 1000; i++)
                c.WriteCommand("XADD", "s:big", $"{baseMs + i / 3}-{i % 3}", "n", i, "p", Dataset.Bytes(rnd, 20));
            await c.FlushAsync();
            for (var i = 0; i < 1000; i++) (await c.ReadReplyAsync()).ThrowIfError();
        }
        await c.ExecuteAsync(None, "XDEL", "s:big", $"{baseMs}-0", $"{baseMs + 10}-1", $"{baseMs + 20_000}-2");
        await c.ExecuteAsync(None, "PEXPIRE", "s:big", 3_600_000);
        await c.ExecuteAsync(None, "XGROUP", "CREATE", "s:big", "g1", "0");
        await c.ExecuteAsync(None, "XREADGROUP", "GROUP", "g1", "alice", "COUNT", 4500, "STREAMS", "s:big", ">");
        await c.ExecuteAsync(None, "XREADGROUP", "GROUP", "g1", new byte[] { 0x62, 0xff, 0x00 }, "COUNT", 300, "STREAMS", "s:big", ">");
        await c.ExecuteAsync(None, "XACK", "s:big", "g1", $"{baseMs + 1500}-0", $"{baseMs + 1500}-1");
        await c.ExecuteAsync(None, "XCLAIM", "s:big", "g1", "carol", 0, $"{baseMs + 5}-0", $"{baseMs + 6}-1", "RETRYCOUNT", 7);
        await c.ExecuteAsync(None, "XCLAIM", "s:big", "g1", "alice", 0, $"{baseMs + 1510}-2", "TIME", baseMs + 99);
        await c.ExecuteAsync(None, "XGROUP", "CREATE", "s:big", "g2", "$", "ENTRIESREAD", Entries - 3);
        await c.ExecuteAsync(None, "XGROUP", "CREATECONSUMER", "s:big", "g2", "idle");
        await c.ExecuteAsync(None, "XGROUP", "CREATE", "s:big", new byte[] { 0x67, 0xfe }, $"{baseMs + 33}-1");
        await c.ExecuteAsync(None, "XADD", "s:small", "5-5", "f", "v");
        await c.ExecuteAsync(None, "XGROUP", "CREATE", "s:small", "g", "0");
        await c.ExecuteAsync(None, "SET", "str", "v");
        await c.ExecuteAsync(None, "RPUSH", "list", "a", "b");
    }

    /// <summary>Per key: records, records with a stream part, DUMP records, records marked logical.</summary>
    private static Dictionary<string, (int Records, int StreamParts, int Dumps, int MarkedLogical)> Forms(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        var forms = new Dictionary<string, (int Records, int StreamParts, int Dumps, int MarkedLogical)>();
        while (reader.ReadLine() is { } line)
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            if (r.GetProperty("rec").GetString() != "key") continue;
            var key = r.GetProperty("key").GetString()!;
            var f = forms.GetValueOrDefault(key);
            forms[key] = (f.Records + 1, f.StreamParts + (r.TryGetProperty("stream", out _) ? 1 : 0), f.Dumps + (r.TryGetProperty("dump", out _) ? 1 : 0),
                f.MarkedLogical + (r.TryGetProperty("logical", out var l) && l.GetBoolean() ? 1 : 0));
        }
        return forms;
    }
}
