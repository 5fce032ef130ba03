using System.Text;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.IO;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>
/// The second pass of an export whose SCAN returned keys twice, on real files: the later occurrences go (every chunk of
/// a big key), everything else is copied byte for byte, the trailer gets the new counts, and a repeat list that does not
/// match the file stops the rewrite instead of dropping the wrong key. The same pass adds "streamRecords" to the header
/// of a file that holds stream records, with or without repeats, and changes nothing else of the header.
/// </summary>
public class KeyFileRewriterTests
{
    private static KeyRecord Key(int db, string key, string type, int chunk = 0, bool more = false, List<long>? fieldExpireAt = null, params string[] items)
    {
        var r = new KeyRecord { Database = db, Key = Encoding.UTF8.GetBytes(key), Type = type, Chunk = chunk, More = more, FieldExpireAt = fieldExpireAt, FieldsReadAtMs = fieldExpireAt is null ? null : 1 };
        foreach (var item in items) r.Items.Add(Encoding.UTF8.GetBytes(item));
        return r;
    }

    /// <summary>A first pass as the exporter writes it: A, big B (3 chunks), C in db 1, big B again, A again, then the trailer.</summary>
    private static (byte[] File, List<KeyRecord> Records) FirstPass(bool exact, RedisBackup.Engine.Rdb.FunctionLibraries? functions = null, bool noRequirements = false)
    {
        var records = new List<KeyRecord>
        {
            Key(0, "a", "string", items: ["1"]),
            Key(0, "b", "hash", 0, true, [0, 99], "f1", "v1", "f2", "v2"),
            Key(0, "b", "hash", 1, true, null, "f3", "v3"),
            Key(0, "b", "hash", 2, false, [7], "f4", "v4"),
            Key(1, "c", "set", items: ["x", "y"]),
            Key(0, "b", "hash", 0, true, [0, 99], "f1", "v1", "f2", "v2"),
            Key(0, "b", "hash", 1, true, null, "f3", "v3"),
            Key(0, "b", "hash", 2, false, [7], "f4", "v4"),
            Key(0, "a", "string", items: ["1"]),
        };
        using var ms = new MemoryStream();
        using (var gzip = exact ? GzipFactory.ForEncodedPayloads(ms) : GzipFactory.Fastest(ms))
        using (var writer = new KeyRecordWriter(gzip))
        {
            writer.WriteHeader(new KeyFileHeader
            {
                CreatedAt = DateTimeOffset.UnixEpoch, SourceAddress = "127.0.0.1:6379", Exact = exact,
                Requires = noRequirements ? [] : functions is null ? [KeyFileFormat.FieldTtlRequirement] : [KeyFileFormat.FieldTtlRequirement, KeyFileFormat.FunctionsRequirement],
            });
            if (functions is not null) writer.WriteFunctions(functions);
            foreach (var r in records) writer.WriteKey(r);
            writer.WriteTrailer(new KeyFileTrailer { Keys = 5, Records = 9, KeysPerDatabase = new Dictionary<int, long> { [0] = 4, [1] = 1 }, Vanished = 3, FieldTtls = 4, CompletedAt = DateTimeOffset.UnixEpoch });
            writer.FlushAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
        return (ms.ToArray(), records);
    }

    private static RepeatedKeyDetector IndexOf(TempDirectory dir, IEnumerable<(int Db, string Key)> keys)
    {
        var index = new RepeatedKeyDetector(dir.Combine(".index.partial"), runCapacity: 2);
        foreach (var (db, key) in keys) index.Add(db, Encoding.UTF8.GetBytes(key));
        return index;
    }

    [Fact]
    public async Task The_later_occurrences_and_all_their_chunks_are_left_out_and_the_trailer_counts_them()
    {
        using var dir = new TempDirectory();
        var (file, _) = FirstPass(exact: false);
        using var index = IndexOf(dir, [(0, "a"), (0, "b"), (1, "c"), (0, "b"), (0, "a")]);
        var repeats = index.Find(CancellationToken.None);
        Assert.Equal(2, repeats.Count);

        using var output = new MemoryStream();
        var summary = await KeyFileRewriter.RewriteAsync(new MemoryStream(file), repeats, false, new KeyExportSummary { Keys = 5, ServerVersion = "7.0.15" }, output, CancellationToken.None);
        Assert.Equal(3, summary.Keys);
        Assert.Equal(5, summary.Records);
        Assert.Equal(2, summary.Duplicates);
        Assert.Equal(2, summary.FieldTtls);
        Assert.Equal("7.0.15", summary.ServerVersion);
        Assert.Equal(output.Length, summary.BytesWritten);

        output.Position = 0;
        var check = await KeyFileVerifier.VerifyAsync(output);
        Assert.Equal(3, check.Keys);
        Assert.Equal(new Dictionary<int, long> { [0] = 2, [1] = 1 }, check.KeysPerDatabase);
        Assert.Equal([KeyFileFormat.FieldTtlRequirement], check.Requires);

        output.Position = 0;
        var reader = await KeyFileReader.OpenAsync(output, CancellationToken.None);
        await using (reader)
        {
            var kept = new List<string>();
            while (await reader.ReadNextAsync(CancellationToken.None) is { } r) kept.Add($"{r.Database}/{Encoding.UTF8.GetString(r.Key)}/{r.Chunk}");
            Assert.Equal(["0/a/0", "0/b/0", "0/b/1", "0/b/2", "1/c/0"], kept);
            Assert.Equal(2, reader.Trailer!.Duplicates);
            Assert.Equal(3, reader.Trailer.Vanished);
        }
    }

    [Fact]
    public async Task An_exact_file_is_rewritten_as_exact()
    {
        using var dir = new TempDirectory();
        var (file, _) = FirstPass(exact: true);
        using var index = IndexOf(dir, [(0, "a"), (0, "b"), (1, "c"), (0, "b"), (0, "a")]);
        using var output = new MemoryStream();
        await KeyFileRewriter.RewriteAsync(new MemoryStream(file), index.Find(CancellationToken.None), false, new KeyExportSummary(), output, CancellationToken.None);
        output.Position = 0;
        Assert.True((await KeyFileVerifier.VerifyAsync(output)).Exact);
    }

    [Fact]
    public async Task The_functions_record_is_copied_as_it_is()
    {
        using var dir = new TempDirectory();
        var functions = RedisBackup.Engine.Rdb.FunctionLibraries.FromCode([Encoding.UTF8.GetBytes("#!lua name=lib\nredis.register_function('f', function() return 1 end)")], 10);
        var (file, _) = FirstPass(exact: false, functions);
        using var index = IndexOf(dir, [(0, "a"), (0, "b"), (1, "c"), (0, "b"), (0, "a")]);
        using var output = new MemoryStream();
        await KeyFileRewriter.RewriteAsync(new MemoryStream(file), index.Find(CancellationToken.None), false, new KeyExportSummary(), output, CancellationToken.None);
        output.Position = 0;
        var check = await KeyFileVerifier.VerifyAsync(output);
        Assert.Equal(3, check.Keys);
        Assert.Equal(["lib"], check.FunctionLibraries);
        output.Position = 0;
        var reader = await KeyFileReader.OpenAsync(output, CancellationToken.None);
        await using (reader) Assert.Equal(functions.Payload, reader.Functions!.Payload);
    }

    [Fact]
    public async Task A_repeat_list_that_does_not_match_the_file_stops_the_rewrite()
    {
        using var dir = new TempDirectory();
        var (file, _) = FirstPass(exact: false);
        // The index saw other keys than the file holds: its 4th key is "z", repeated, where the file's 4th key is "b".
        using var index = IndexOf(dir, [(0, "a"), (0, "b"), (1, "c"), (0, "z"), (0, "z")]);
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() =>
            KeyFileRewriter.RewriteAsync(new MemoryStream(file), index.Find(CancellationToken.None), false, new KeyExportSummary(), new MemoryStream(), CancellationToken.None));
        Assert.Equal("KeyExportRewriteFailed", ex.ErrorId);
        Assert.Contains("key 4 of the file", ex.Message);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task The_header_gains_stream_records_and_every_other_line_is_copied_byte_for_byte(bool withRepeats, bool noRequirements)
    {
        using var dir = new TempDirectory();
        var (file, _) = FirstPass(exact: false, noRequirements: noRequirements);
        using var index = IndexOf(dir, [(0, "a"), (0, "b"), (1, "c"), (0, "b"), (0, "a")]);
        using var output = new MemoryStream();
        var summary = await KeyFileRewriter.RewriteAsync(new MemoryStream(file), withRepeats ? index.Find(CancellationToken.None) : null, true,
            new KeyExportSummary { Keys = 5, Records = 9, StreamsAsRecords = 1 }, output, CancellationToken.None);
        Assert.Equal(withRepeats ? 3 : 5, summary.Keys);
        Assert.Equal(1, summary.StreamsAsRecords);

        var before = Lines(file);
        var after = Lines(output.ToArray());
        // The header: only the requirement is added (and the version is 2 for a non-empty list).
        var expectedHeader = noRequirements
            ? before[0].Replace("\"version\":1,\"minor\":1,\"requires\":[]", "\"version\":2,\"minor\":1,\"requires\":[\"streamRecords\"]", StringComparison.Ordinal)
            : before[0].Replace("\"requires\":[\"fieldTtl\"]", "\"requires\":[\"fieldTtl\",\"streamRecords\"]", StringComparison.Ordinal);
        Assert.NotEqual(before[0], expectedHeader);
        Assert.Equal(expectedHeader, after[0]);
        if (withRepeats)
        {
            // a, b (3 chunks), c as they were; the repeats gone; the trailer counts them.
            Assert.Equal(before[1..6], after[1..6]);
            Assert.Equal(7, after.Count);
            Assert.Contains("\"duplicates\":2", after[6], StringComparison.Ordinal);
        }
        else Assert.Equal(before[1..], after[1..]); // every record and the trailer, byte for byte

        output.Position = 0;
        var check = await KeyFileVerifier.VerifyAsync(output);
        Assert.Equal(withRepeats ? 3 : 5, check.Keys);
        Assert.Equal(noRequirements ? new[] { KeyFileFormat.StreamRecordsRequirement } : new[] { KeyFileFormat.FieldTtlRequirement, KeyFileFormat.StreamRecordsRequirement }, check.Requires);
    }

    private static List<string> Lines(byte[] gzipFile)
    {
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(gzipFile), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }
}
