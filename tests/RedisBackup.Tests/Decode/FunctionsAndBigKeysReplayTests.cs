using RedisBackup.Engine.Export;
using RedisBackup.Engine.Model;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;
using RedisBackup.Tests.Restore;

namespace RedisBackup.Tests.Decode;

/// <summary>
/// Where the decoder's work (issue 11 §3: restore filters, convert, replay into older servers) meets function libraries
/// and exact mode's windowed big keys (§4, §5): a filtered restore leaves the libraries out and counts them (they are
/// not keys); convert keeps them (an RDB file's FUNCTION2 records and a key-level backup's functions record become the
/// converted backup's functions record); an exact backup's big keys, written as logical windows, and its DUMP records
/// of a newer RDB version both go into an older server.
/// </summary>
public class FunctionsAndBigKeysReplayTests
{
    private static CancellationToken None => CancellationToken.None;

    private static async Task FillAsync(RedisServer server, int keys)
    {
        await FunctionLibraryData.FillAsync(server); // two libraries and the key "counter"
        await KeyFiles.RunAsync(server, 0, "DEBUG", "POPULATE", keys, "key");
    }

    [Fact]
    public async Task A_filtered_restore_of_a_key_level_backup_or_an_RDB_file_leaves_the_libraries_out_and_counts_them()
    {
        await using var source = await RedisServer.StartAsync();
        await FillAsync(source, 50);
        using var dir = new TempDirectory();
        var path = dir.Combine("logical.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);
        await KeyFiles.RunAsync(source, 0, "SAVE");
        var rdbPath = Path.Combine(source.Directory, "dump.rdb");

        foreach (var options in new[] { new RestoreOptions { Match = "key:*" }, new RestoreOptions { Databases = [0] }, new RestoreOptions { Types = ["string"] } })
        {
            await using var fromKeys = await RedisServer.StartAsync();
            var keyResult = await KeyFiles.RestoreAsync(path, fromKeys.Endpoint, options);
            await using var fromRdb = await RedisServer.StartAsync();
            RestoreResult rdbResult;
            await using (var rdb = File.OpenRead(rdbPath))
                rdbResult = await RdbLiveRestorer.RestoreAsync(new BufferedStream(rdb, 1 << 16), fromRdb.Endpoint, options, null, None);
            foreach (var (result, target) in new[] { (keyResult, fromKeys), (rdbResult, fromRdb) })
            {
                Assert.True(result.Success);
                Assert.Equal(options.Match is null ? 51 : 50, result.Restored);
                var functions = Assert.IsType<FunctionRestoreResult>(result.Functions);
                Assert.Equal((2, 0, 0, 0, 2, "none"), (functions.Libraries, functions.Restored, functions.Skipped, functions.Failed, functions.NotSelected, functions.Method));
                Assert.Equal(["counters", "greet"], functions.NotSelectedLibraries.Order(StringComparer.Ordinal));
                Assert.Empty(await FunctionLibraryData.NamesAsync(target)); // nothing was sent for them
            }
        }

        // Without a filter the same files bring the libraries back (the decoder's RDB path reads them before the first key).
        await using var whole = await RedisServer.StartAsync();
        await using (var rdb = File.OpenRead(rdbPath))
        {
            var result = await RdbLiveRestorer.RestoreAsync(new BufferedStream(rdb, 1 << 16), whole.Endpoint, new RestoreOptions(), null, None);
            Assert.Equal((2, 0), (result.Functions!.Restored, result.Functions.NotSelected));
        }
        await FunctionLibraryData.AssertCallableAsync(whole);
    }

    [ServerFact("redis-7.4")]
    public async Task Convert_keeps_the_libraries_of_an_RDB_snapshot_and_of_an_exact_backup()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        await FillAsync(source, 20);
        var expected = await FunctionLibraryData.ListAsync(source);
        using var dir = new TempDirectory();
        var snapshot = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path, Compress = true })).Backup;
        var exact = (await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path, Exact = true })).Backup;

        foreach (var from in new[] { snapshot, exact })
        {
            var converted = await ConvertOperation.RunAsync(new ConvertRequest { Path = from.Path, Directory = dir.Path });
            Assert.Equal(21, converted.KeyCount);
            var (header, functionsRecord) = FirstTwoRecords(converted.Path);
            Assert.Contains("functions", header.GetProperty("requires").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal("functions", functionsRecord.GetProperty("rec").GetString());
            await using (var f = File.OpenRead(converted.Path))
                Assert.Equal(["counters", "greet"], (await KeyFileVerifier.VerifyAsync(f)).FunctionLibraries.Order(StringComparer.Ordinal));
            Assert.Equal(["counters", "greet"], (await InspectOperation.RunAsync(converted.Path)).Functions.Order(StringComparer.Ordinal));

            // Into Redis 7.0, which cannot read the RDB 12 payload: each library from its source code.
            await using var old = await RedisServer.StartAsync();
            var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = converted.Path, Endpoint = old.Endpoint });
            Assert.True(result.Success);
            Assert.Equal((21L, 2, "load"), (result.Restored, result.Functions!.Restored, result.Functions.Method));
            Assert.Equal(expected, await FunctionLibraryData.ListAsync(old));
            await FunctionLibraryData.AssertCallableAsync(old);
        }

        // The snapshot itself, replayed live into Redis 7.0: the keys decoded, the libraries loaded from their code.
        await using (var oldLive = await RedisServer.StartAsync())
        {
            var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = snapshot.Path, Endpoint = oldLive.Endpoint });
            Assert.True(result.Success);
            Assert.Equal((21L, 21L, 2, "load"), (result.Restored, result.Replayed, result.Functions!.Restored, result.Functions.Method));
            Assert.Equal(expected, await FunctionLibraryData.ListAsync(oldLive));
        }
    }

    [ServerFact("redis-7.4")]
    public async Task An_exact_backup_with_windowed_big_keys_and_newer_payloads_replays_into_Redis_70()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        var rnd = new Random(11);
        await using (var c = await source.ConnectAsync())
        {
            await c.ExecuteAsync(None, "SET", "small", "v");
            await c.ExecuteAsync(None, "SET", "big-string", Dataset.Bytes(rnd, 300_000));
            await c.ExecuteAsync(None, "PEXPIRE", "big-string", 3_600_000);
            var hash = new List<RedisArg> { "HSET", "big-hash" };
            var list = new List<RedisArg> { "RPUSH", "big-list" };
            for (var j = 0; j < 5000; j++)
            {
                hash.Add($"field:{j}"); hash.Add(Dataset.Bytes(rnd, 30));
                list.Add(Dataset.Bytes(rnd, 30));
            }
            await c.ExecuteAsync(None, [.. hash]);
            await c.ExecuteAsync(None, [.. list]);
            await c.ExecuteAsync(None, "HPEXPIRE", "big-hash", 3_600_000, "FIELDS", 1, "field:7");
            // Under the limit (a stream over it is written as logical stream records): an RDB 12 payload Redis 7.0 cannot take.
            for (var i = 0; i < 500; i++) await c.ExecuteAsync(None, "XADD", "big-stream", "*", "field", Dataset.Bytes(rnd, 30));
        }
        await FunctionLibraryData.LoadAsync(source, FunctionLibraryData.Counters);
        using var dir = new TempDirectory();
        var path = dir.Combine("exact.jsonl.gz");
        var summary = await KeyFiles.ExportAsync(source, path, new KeyExportOptions { Exact = true, ExactLimit = 48 * 1024 });
        Assert.Equal(3, summary.LogicalKeys); // big-string, big-hash, big-list; the stream and "small" are RDB 12 payloads

        await using var old = await RedisServer.StartAsync();
        var result = await KeyFiles.RestoreAsync(path, old.Endpoint);
        Assert.True(result.Success, string.Join("; ", result.Failures.Select(f => $"{f.Key}: {f.Reason}")));
        Assert.Equal(5, result.Restored);
        Assert.Equal(2, result.Replayed); // the two DUMP records Redis 7.0 cannot take
        Assert.Equal(1, result.FieldTtlsLost); // Redis 7.0 has no hash field expiration: counted, named
        Assert.Contains(result.Warnings, w => w.Key == "big-hash");
        Assert.Equal((1, "load"), (result.Functions!.Restored, result.Functions.Method));
        await ServerComparison.AssertSameAsync(source, old, [0], sameDigests: false);
    }

    private static (JsonElement Header, JsonElement Second) FirstTwoRecords(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        using var header = JsonDocument.Parse(reader.ReadLine()!);
        using var second = JsonDocument.Parse(reader.ReadLine()!);
        return (header.RootElement.Clone(), second.RootElement.Clone());
    }
}
