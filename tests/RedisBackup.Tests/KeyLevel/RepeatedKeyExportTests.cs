using System.Globalization;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>
/// Keys SCAN returns twice: a writer makes the keyspace grow and shrink between the export's SCAN calls (see
/// <see cref="KeyspaceResizer"/>), so SCAN really repeats keys, on real servers. Every key present for the whole export
/// must be restored, no key may be in the file twice, and the trailer's counts must match the records, including
/// <c>duplicates</c>, which counts the repeats left out.
/// </summary>
public class RepeatedKeyExportTests(ITestOutputHelper output)
{
    private const int BaseKeys = 16_384; // a power of two: after a shrink the table is as full as Redis makes it
    private const int TemporaryKeys = 120_000; // base + temporary > 131,072: the table grows to 262,144 buckets, 16x the base

    [ServerTheory]
    [InlineData("redis-7.0", false)]
    [InlineData("redis-7.4", false)]
    [InlineData("redis-7.0", true)]
    public async Task A_backup_while_the_keyspace_grows_and_shrinks_holds_every_key_once(string version, bool exact)
    {
        await using var source = await RedisServer.StartVersionAsync(version, "--hz", "100");
        await using (var c = await source.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", BaseKeys, "base", 10);
        using var dir = new TempDirectory();

        // SCAN repeats a key only when the cursor lands in a partly returned bucket, so a shrink does not always
        // repeat one; a few exports of about 14 shrinks each make that certain.
        BackupOutcome? outcome = null;
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var resizer = new KeyspaceResizer(source, BaseKeys, TemporaryKeys, exact, cycles: 40);
            // Index runs of 1,000 keys: the repeat search merges runs spilled to disk, as it does for big keyspaces.
            var request = new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path, Exact = exact, Clock = resizer, IndexRunCapacity = 1000 };
            outcome = await BackupOperation.RunAsync(request);
            Assert.True(resizer.Shrinks >= 3, $"only {resizer.Shrinks} shrinks happened during the export");
            await DeleteTemporaryKeysAsync(source);
            var check = await CheckFileAsync(outcome.Backup.Path);
            output.WriteLine($"export {attempt}: {resizer.Shrinks} shrinks, {check.Keys} keys, {check.Duplicates} repeats left out, {check.Vanished} vanished");
            if (check.Duplicates > 0) break;
            Assert.True(attempt < 4, "SCAN never returned a key twice in 4 exports while the keyspace shrank");
        }

        // Every base key (present for the whole export) comes back with its value.
        await using var target = await RedisServer.StartVersionAsync(version);
        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Path = outcome!.Backup.Path, Endpoint = target.Endpoint });
        Assert.Equal(0, restored.Failed);
        Assert.Equal(outcome.Backup.KeyCount, restored.Restored);
        await AssertBaseKeysEqualAsync(source, target);

        // Nothing temporary is left in the catalog: the backup, its two sidecars, and the catalog's own lock and journal.
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.EndsWith(".partial", StringComparison.Ordinal));
        var verify = await VerifyOperation.RunAsync(outcome.Backup.Path);
        Assert.True(verify.IsValid, string.Join("; ", verify.Problems));
    }

    /// <summary>
    /// Both rare cases in one export: SCAN returns keys twice and a stream over the limit (lowered to 64 KiB) is written
    /// as stream records. The one second pass leaves the repeats out and adds "streamRecords" to the header.
    /// </summary>
    [ServerFact("redis-7.0")]
    public async Task A_backup_with_repeats_and_a_big_stream_is_written_again_once_with_both_fixed()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.0", "--hz", "100");
        await using (var c = await source.ConnectAsync())
        {
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", BaseKeys, "base", 10);
            // In database 1, so the keyspace the resizer grows and shrinks (database 0) is the one of the test above.
            await c.SelectAsync(1);
            var rnd = new Random(11);
            for (var i = 1; i <= 3000; i++) c.WriteCommand("XADD", "stream", $"{i}-0", "f", Dataset.Bytes(rnd, 40));
            await c.FlushAsync();
            for (var i = 0; i < 3000; i++) (await c.ReadReplyAsync()).ThrowIfError();
            await c.ExecuteAsync(CancellationToken.None, "XGROUP", "CREATE", "stream", "g", "0");
            await c.ExecuteAsync(CancellationToken.None, "XREADGROUP", "GROUP", "g", "alice", "COUNT", 10, "STREAMS", "stream", ">");
        }
        using var dir = new TempDirectory();

        BackupOutcome? outcome = null;
        KeyFileTrailer? check = null;
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var resizer = new KeyspaceResizer(source, BaseKeys, TemporaryKeys, exact: false, cycles: 40);
            var request = new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path, Clock = resizer, IndexRunCapacity = 1000, ExactLimit = 64 * 1024 };
            outcome = await BackupOperation.RunAsync(request);
            await DeleteTemporaryKeysAsync(source);
            check = await CheckFileAsync(outcome.Backup.Path);
            output.WriteLine($"export {attempt}: {resizer.Shrinks} shrinks, {check.Keys} keys, {check.Duplicates} repeats left out, {check.Vanished} vanished");
            if (check.Duplicates > 0) break;
            Assert.True(attempt < 4, "SCAN never returned a key twice in 4 exports while the keyspace shrank");
        }
        Assert.Equal([KeyFileFormat.StreamRecordsRequirement], StreamRecordsExportTests.Requirements(outcome!.Backup.Path));
        Assert.Equal(2, StreamRecordsExportTests.HeaderVersion(outcome.Backup.Path));
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.EndsWith(".partial", StringComparison.Ordinal));
        Assert.True((await VerifyOperation.RunAsync(outcome.Backup.Path)).IsValid);

        await using var target = await RedisServer.StartVersionAsync("redis-7.0");
        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Path = outcome.Backup.Path, Endpoint = target.Endpoint });
        Assert.Equal(0, restored.Failed);
        Assert.Equal(check!.Keys, restored.Restored);
        await AssertBaseKeysEqualAsync(source, target);
        await using var s = await source.ConnectAsync();
        await using var t = await target.ConnectAsync();
        await s.SelectAsync(1);
        await t.SelectAsync(1);
        Assert.Equal((await s.ExecuteAsync(CancellationToken.None, "DEBUG", "DIGEST-VALUE", "stream")).AsArray()[0].AsString(),
            (await t.ExecuteAsync(CancellationToken.None, "DEBUG", "DIGEST-VALUE", "stream")).AsArray()[0].AsString());
        Assert.Equal(10L, (await t.ExecuteAsync(CancellationToken.None, "XPENDING", "stream", "g")).AsArray()[0].AsInt64());
        var parts = 0;
        await using (var file = File.OpenRead(outcome.Backup.Path))
        {
            var reader = await KeyFileReader.OpenAsync(file, CancellationToken.None);
            await using (reader)
                while (await reader.ReadNextAsync(CancellationToken.None) is { } record)
                    if (record.Stream is not null) parts++;
        }
        Assert.True(parts > 1, $"{parts} stream records");
    }

    /// <summary>What a key-level file holds: its trailer, after checking that no key is in it twice and that the counts match.</summary>
    internal static async Task<KeyFileTrailer> CheckFileAsync(string path)
    {
        await using var file = File.OpenRead(path);
        var reader = await KeyFileReader.OpenAsync(file, CancellationToken.None);
        await using (reader)
        {
            var keys = new HashSet<(int, string)>();
            long records = 0, first = 0;
            while (await reader.ReadNextAsync(CancellationToken.None) is { } record)
            {
                records++;
                if (record.Chunk != 0) continue;
                first++;
                Assert.True(keys.Add((record.Database, Convert.ToBase64String(record.Key))), $"key '{System.Text.Encoding.UTF8.GetString(record.Key)}' of database {record.Database} is in the file twice");
            }
            var trailer = reader.Trailer!;
            Assert.Equal(keys.Count, trailer.Keys);
            Assert.Equal(first, trailer.Keys);
            Assert.Equal(records, trailer.Records);
            Assert.Equal(trailer.Keys, trailer.KeysPerDatabase.Values.Sum());
            return trailer;
        }
    }

    internal static async Task DeleteTemporaryKeysAsync(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        for (var start = 0; start < TemporaryKeys; start += 1000)
        {
            var args = new List<RedisArg> { "UNLINK" };
            for (var i = start; i < start + 1000; i++) args.Add("temp:" + i.ToString(CultureInfo.InvariantCulture));
            await c.ExecuteAsync(CancellationToken.None, [.. args]);
        }
    }

    private static async Task AssertBaseKeysEqualAsync(RedisServer source, RedisServer target)
    {
        await using var s = await source.ConnectAsync();
        await using var t = await target.ConnectAsync();
        for (var start = 0; start < BaseKeys; start += 1000)
        {
            var args = new List<RedisArg> { "MGET" };
            for (var i = start; i < Math.Min(BaseKeys, start + 1000); i++) args.Add("base:" + i.ToString(CultureInfo.InvariantCulture));
            var expected = (await s.ExecuteAsync(CancellationToken.None, [.. args])).AsArray();
            var actual = (await t.ExecuteAsync(CancellationToken.None, [.. args])).AsArray();
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.False(expected[i].IsNull, $"base:{start + i} is missing on the source");
                Assert.True(!actual[i].IsNull && expected[i].Bytes!.AsSpan().SequenceEqual(actual[i].Bytes), $"base:{start + i} was not restored as it was");
            }
        }
    }
}
