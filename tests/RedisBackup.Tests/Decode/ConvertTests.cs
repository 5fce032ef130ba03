using System.Globalization;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;
using RedisBackup.Tests.Rdb;

namespace RedisBackup.Tests.Decode;

/// <summary>
/// redis-backup convert / Convert-RedisBackup: an RDB snapshot or an exact backup becomes a logical key-level backup in
/// the catalog, offline, verified as it is written, and restores into any version with every key the same.
/// </summary>
public class ConvertTests
{
    private const int FieldTtlDb = 9;

    [ServerFact("redis-7.4")]
    public async Task An_RDB_snapshot_of_Redis_7_4_becomes_a_logical_backup_that_restores_into_7_0_and_7_4()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4", "--repl-diskless-sync-delay", "0");
        await CrossVersionData.FillAsync(source);
        await using (var c = await source.ConnectAsync()) Assert.True(await RdbTestSupport.PopulateFieldTtlsAsync(c, FieldTtlDb));
        using var dir = new TempDirectory();
        var snapshot = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path, Compress = true })).Backup;

        var converted = await ConvertOperation.RunAsync(new ConvertRequest { Path = snapshot.Path, Directory = dir.Path });
        Assert.Equal(BackupKind.KeyLevel, converted.Kind);
        Assert.Equal(BackupFormat.KeysJsonl, converted.Format);
        Assert.Equal(VerificationState.Verified, converted.Verification);
        Assert.Equal("converted:" + snapshot.Name, converted.Source);
        Assert.Equal("7.4.1", converted.ServerVersion);
        Assert.Equal(snapshot.KeyCount, converted.KeyCount);
        Assert.EndsWith("-converted.jsonl.gz", converted.Name, StringComparison.Ordinal);
        Assert.Contains(new BackupCatalog(dir.Path).List(), b => b.Name == converted.Name);
        Assert.True((await VerifyOperation.RunAsync(converted.Path)).IsValid);

        // What the file holds: logical records (big keys in chunks), field TTLs, streams as DUMP records of RDB 12.
        await using (var file = File.OpenRead(converted.Path))
        {
            var summary = await KeyFileVerifier.VerifyAsync(file);
            Assert.Equal(104, summary.FieldTtls);
            Assert.Equal([KeyFileFormat.FieldTtlRequirement], summary.Requires);
            Assert.True(summary.Records > summary.Keys + 50, $"{summary.Records} records for {summary.Keys} keys");
            Assert.False(summary.Exact);
        }
        var dumps = await DumpRecordTypesAsync(converted.Path);
        Assert.Equal(["stream"], dumps.Distinct());

        int[] dbs = [.. CrossVersionData.Databases, FieldTtlDb];
        await using (var old = await RedisServer.StartAsync())
        {
            var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = converted.Path, Endpoint = old.Endpoint });
            Assert.Equal((converted.KeyCount!.Value, 0L, 104L), (result.Restored, result.Failed, result.FieldTtlsLost));
            Assert.Equal(dumps.Count, result.Replayed);
            await ForgetPendingWithoutMessageAsync(source, old);
            await ServerComparison.AssertSameAsync(source, old, dbs, sameDigests: false);
        }
        await using var same = await RedisServer.StartVersionAsync("redis-7.4");
        var kept = await RestoreOperation.RunAsync(new RestoreRequest { Path = converted.Path, Endpoint = same.Endpoint });
        Assert.Equal((converted.KeyCount!.Value, 0L, 104L, 0L), (kept.Restored, kept.Failed, kept.FieldTtlsKept, kept.Replayed));
        await ForgetPendingWithoutMessageAsync(source, same);
        await ServerComparison.AssertSameAsync(source, same, dbs, sameDigests: true);
        await ServerComparison.AssertSameFieldTtlsAsync(source, same, FieldTtlDb);
    }

    [ServerFact("valkey-8.0")]
    public async Task An_exact_backup_of_Valkey_becomes_a_logical_backup_that_restores_into_Redis_7_0()
    {
        await using var source = await RedisServer.StartVersionAsync("valkey-8.0");
        await CrossVersionData.FillAsync(source);
        using var dir = new TempDirectory();
        var exact = (await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path, Exact = true })).Backup;
        var converted = await ConvertOperation.RunAsync(new ConvertRequest { Path = exact.Path, Directory = dir.Path });
        Assert.Equal(exact.KeyCount, converted.KeyCount);
        Assert.Equal("converted:" + exact.Name, converted.Source);
        await using var target = await RedisServer.StartAsync();
        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = converted.Path, Endpoint = target.Endpoint });
        Assert.Equal((converted.KeyCount!.Value, 0L), (result.Restored, result.Failed));
        await ForgetPendingWithoutMessageAsync(source, target);
        await ServerComparison.AssertSameAsync(source, target, CrossVersionData.Databases, sameDigests: false);
    }

    [Theory]
    [InlineData("encodings.rdb")]
    [InlineData("hash-zipmap.rdb")]
    [InlineData("list-quicklist.rdb")]
    [InlineData("hash-ziplist.rdb")]
    [InlineData("zset-ziplist.rdb")]
    public async Task Old_RDB_files_convert_to_what_restore_gives(string name)
    {
        using var dir = new TempDirectory();
        var converted = await ConvertOperation.RunAsync(new ConvertRequest { Path = TestData.RedisAsset(name), Directory = dir.Path });
        await using var fromRdb = await RedisServer.StartAsync();
        await using var fromConverted = await RedisServer.StartAsync();
        var options = new RestoreOptions { Ttl = TtlMode.Relative };
        var a = await RestoreOperation.RunAsync(new RestoreRequest { Path = TestData.RedisAsset(name), Endpoint = fromRdb.Endpoint, Options = options });
        var b = await RestoreOperation.RunAsync(new RestoreRequest { Path = converted.Path, Endpoint = fromConverted.Endpoint, Options = options });
        Assert.Equal((a.Total, a.Restored, 0L), (b.Total, b.Restored, b.Failed));
        Assert.Equal(await fromRdb.DigestAsync(), await fromConverted.DigestAsync());
    }

    [Fact]
    public async Task A_damaged_source_leaves_nothing_and_the_CLI_converts()
    {
        using var dir = new TempDirectory();
        var catalog = dir.Combine("catalog");
        // A CRC64 that does not match: refused by the verification before anything is written.
        var damaged = dir.Combine("damaged.rdb");
        var bytes = await File.ReadAllBytesAsync(TestData.RedisAsset("hash-ziplist.rdb"));
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(damaged, bytes);
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => ConvertOperation.RunAsync(new ConvertRequest { Path = damaged, Directory = catalog }));
        Assert.Equal("BackupVerificationFailed", ex.ErrorId);
        // A corrupt ziplist inside a valid frame (only a deep check sees it): the decoder refuses it while writing.
        var inside = await Assert.ThrowsAnyAsync<RedisBackupException>(() => ConvertOperation.RunAsync(new ConvertRequest { Path = TestData.RedisAsset("corrupt_ziplist.rdb"), Directory = catalog }));
        Assert.Contains("ziplist", inside.Message, StringComparison.Ordinal);
        Assert.Empty(new BackupCatalog(catalog).List());
        Assert.Empty(Directory.GetFiles(catalog, "*.partial*", SearchOption.AllDirectories));

        var plan = await new CliRun().RunAsync("convert", TestData.RedisAsset("encodings.rdb"), "--dir", catalog, "--dry-run");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("Decode every key of encodings.rdb", plan.Stdout);
        Assert.Empty(new BackupCatalog(catalog).List());

        var run = await new CliRun().RunAsync("convert", TestData.RedisAsset("encodings.rdb"), "--dir", catalog, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json();
        Assert.Equal(13, json.GetProperty("keyCount").GetInt64());
        Assert.Equal("converted:encodings.rdb", json.GetProperty("source").GetString());
        Assert.Equal("verified", json.GetProperty("verification").GetString());
        // Its sidecar is sealed with the databases it holds, so a restore's fast check trusts it and checks the target's
        // databases before anything is written, as for every new backup.
        var convertedPath = json.GetProperty("path").GetString()!;
        Assert.True(VerifyOperation.HasTrustedSidecar(convertedPath));
        Assert.Equal([0], BackupSidecar.TryRead(convertedPath)!.Databases);
        var human = await new CliRun().RunAsync("convert", TestData.RedisAsset("hash-zipmap.rdb"), "--dir", catalog);
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("Converted: ", human.Stdout);
        Assert.Equal(2, new BackupCatalog(catalog).List().Count);
    }

    /// <summary>The type of every DUMP record of a key-level file.</summary>
    private static async Task<List<string>> DumpRecordTypesAsync(string path)
    {
        await using var file = File.OpenRead(path);
        var reader = await KeyFileReader.OpenAsync(file, CancellationToken.None);
        await using var _ = reader;
        var types = new List<string>();
        while (await reader.ReadNextAsync(CancellationToken.None) is { } record)
            if (record.Dump is not null) types.Add(record.Type);
        return types;
    }

    private static async Task ForgetPendingWithoutMessageAsync(RedisServer source, RedisServer target)
    {
        foreach (var server in new[] { source, target })
        {
            await using var c = await server.ConnectAsync();
            await c.SelectAsync(CrossVersionData.StreamDb);
            await c.Run("XACK", "s:plain", "g1", "5-0");
        }
    }
}
