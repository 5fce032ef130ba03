using System.IO.Compression;
using System.Text;
using System.Text.Json;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Decode;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>
/// A key-level export never holds a big stream whole (issue 11 §5): a stream whose DUMP payload is longer than the exact
/// limit (16 MB; lowered here to 64 KiB) is written, in logical and in exact mode, as the logical stream records convert
/// writes (entries in XRANGE windows, its state, each group, its consumers and their pending entries), and the header
/// requires "streamRecords" exactly when the file holds such records (the file is written a second time with it, as for
/// keys SCAN returned twice; a stream that only became big after the export started included). Restored into the same version, the stream is
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
    public async Task The_header_requires_stream_records_exactly_when_the_file_holds_stream_records()
    {
        await using var source = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(source, 0, "HSET", "h", "f", "v");
        await KeyFiles.RunAsync(source, 1, "SET", "s", "v");
        await using (var c = await source.ConnectAsync())
        {
            await c.SelectAsync(1);
            var rnd = new Random(3);
            for (var i = 1; i <= 200; i++) c.WriteCommand("XADD", "stream", $"{i}-1", "f", Dataset.Bytes(rnd, 100));
            await c.FlushAsync();
            for (var i = 0; i < 200; i++) (await c.ReadReplyAsync()).ThrowIfError();
        }
        using var dir = new TempDirectory();

        // The stream's payload is about 20 KB: a limit of 4 KiB makes it big.
        const long Small = 4 * 1024;
        foreach (var exact in new[] { false, true })
        {
            // A stream under the limit is its DUMP payload: a version 1 file every release reads, written once.
            Assert.Equal((0L, 1, 0), await ExportAsync(dir, source, new KeyExportOptions { Exact = exact }));
            Assert.Equal((1L, 2, 1), await ExportAsync(dir, source, new KeyExportOptions { Exact = exact, ExactLimit = Small }));
            Assert.Equal((0L, 1, 0), await ExportAsync(dir, source, new KeyExportOptions { Exact = exact, ExactLimit = Small, Databases = [0] }));
            Assert.Equal((0L, 1, 0), await ExportAsync(dir, source, new KeyExportOptions { Exact = exact, ExactLimit = Small, Types = ["hash", "string"] }));
            Assert.Equal((0L, 1, 0), await ExportAsync(dir, source, new KeyExportOptions { Exact = exact, ExactLimit = Small, Match = "s" }));
            Assert.Equal((1L, 2, 1), await ExportAsync(dir, source, new KeyExportOptions { Exact = exact, ExactLimit = Small, Types = ["stream"] }));
        }
    }

    [Fact(Timeout = 5 * 60 * 1000)]
    public async Task A_stream_made_big_after_the_export_started_still_ends_in_a_file_that_requires_stream_records()
    {
        await using var source = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(source, 0, "SET", "s", "v");
        using var dir = new TempDirectory();
        foreach (var exact in new[] { false, true })
        {
            // No stream when the export starts: it is created past the limit at the header's clock read, after
            // everything the export asks before its header and before the first SCAN.
            var clock = new GrowStreamAtHeader(source, "stream");
            var outcome = await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path, Exact = exact, Clock = clock, ExactLimit = 4 * 1024 });
            Assert.True(clock.Grown);
            var check = await RepeatedKeyExportTests.CheckFileAsync(outcome.Backup.Path);
            Assert.Equal((2L, 0L), (check.Keys, check.Duplicates));
            Assert.True(Forms(outcome.Backup.Path)["stream"].StreamParts > 1);
            Assert.Equal(2, HeaderVersion(outcome.Backup.Path));
            Assert.Equal([KeyFileFormat.StreamRecordsRequirement], Requirements(outcome.Backup.Path));
            Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.EndsWith(".partial", StringComparison.Ordinal));
            Assert.True((await VerifyOperation.RunAsync(outcome.Backup.Path)).IsValid);

            await using var target = await RedisServer.StartAsync();
            var restored = await RestoreOperation.RunAsync(new RestoreRequest { Path = outcome.Backup.Path, Endpoint = target.Endpoint });
            Assert.Equal(0, restored.Failed);
            Assert.Equal(2, restored.Restored);
            await ServerComparison.AssertSameAsync(source, target, [0], sameDigests: true);
            await KeyFiles.RunAsync(source, 0, "DEL", "stream");
        }
    }

    /// <summary>A clock that, at its first read (the header's), adds 2,000 entries to a stream of the server (creating it).</summary>
    private sealed class GrowStreamAtHeader(RedisServer server, string key) : TimeProvider
    {
        private int _calls;

        public bool Grown { get; private set; }

        public override DateTimeOffset GetUtcNow()
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                GrowAsync().GetAwaiter().GetResult();
                Grown = true;
            }
            return DateTimeOffset.UtcNow;
        }

        private async Task GrowAsync()
        {
            await using var c = await server.ConnectAsync();
            var rnd = new Random(7);
            for (var i = 0; i < 2000; i++) c.WriteCommand("XADD", key, "*", "f", Dataset.Bytes(rnd, 50));
            await c.FlushAsync();
            for (var i = 0; i < 2000; i++) (await c.ReadReplyAsync()).ThrowIfError();
        }
    }

    /// <summary>Exports, and returns the streams written as records, the header's version and how often it requires streamRecords.</summary>
    private static async Task<(long StreamsAsRecords, int Version, int Requires)> ExportAsync(TempDirectory dir, RedisServer source, KeyExportOptions options)
    {
        var path = dir.Combine(Guid.NewGuid().ToString("N") + ".jsonl.gz");
        var summary = await KeyFiles.ExportAsync(source, path, options);
        await using (var f = File.OpenRead(path))
        {
            var check = await KeyFileVerifier.VerifyAsync(f);
            Assert.Equal(summary.Keys, check.Keys);
        }
        var parts = Forms(path).Values.Sum(v => v.StreamParts);
        Assert.Equal(summary.StreamsAsRecords > 0, parts > 0);
        return (summary.StreamsAsRecords, HeaderVersion(path), Requirements(path).Count(r => r == KeyFileFormat.StreamRecordsRequirement));
    }

    private static JsonElement Header(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        using var doc = JsonDocument.Parse(reader.ReadLine()!);
        Assert.Equal("header", doc.RootElement.GetProperty("rec").GetString());
        return doc.RootElement.Clone();
    }

    internal static int HeaderVersion(string path) => Header(path).GetProperty("version").GetInt32();

    internal static List<string> Requirements(string path) => [.. Header(path).GetProperty("requires").EnumerateArray().Select(e => e.GetString()!)];

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
