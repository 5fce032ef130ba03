using System.Diagnostics;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedisBackup.Tests.Catalog;

public class CatalogListingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Lists_newest_last_with_the_fields_of_the_sidecar()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        var rdb = await CatalogFiles.RealRdbAsync();
        var t0 = new DateTimeOffset(2026, 1, 10, 8, 0, 0, TimeSpan.Zero);
        var newest = CatalogFiles.Commit(catalog, CatalogFiles.Gzip(rdb), compressed: true, createdAt: t0.AddDays(2));
        var oldest = CatalogFiles.Commit(catalog, rdb, createdAt: t0);
        var middle = CatalogFiles.Commit(catalog, await CatalogFiles.RealKeyFileAsync(), BackupKind.KeyLevel, BackupFormat.KeysJsonl, compressed: true, createdAt: t0.AddDays(1), keys: 42);

        var list = catalog.List();

        Assert.Equal(new[] { oldest.Name, middle.Name, newest.Name }, list.Select(b => b.Name));
        Assert.Equal(oldest, list[0]);
        Assert.Equal(middle, list[1]);
        Assert.Equal(newest, list[2]);
        Assert.Equal(42, list[1].KeyCount);
        Assert.Equal(BackupKind.KeyLevel, list[1].Kind);
        Assert.Equal(BackupFormat.KeysJsonl, list[1].Format);
        Assert.True(list[2].Compressed);
        Assert.All(list, b => Assert.Equal("7.0.15", b.ServerVersion));
        Assert.All(list, b => Assert.Equal("redis://127.0.0.1:6379", b.Source));

        Assert.Equal(new[] { newest.Name }, catalog.List(latest: 1).Select(b => b.Name));
        Assert.Equal(new[] { middle.Name }, catalog.List(kind: BackupKind.KeyLevel).Select(b => b.Name));
        Assert.Equal(new[] { oldest.Name, newest.Name }, catalog.List("REDIS-BACKUP-*").Select(b => b.Name));
        Assert.Equal(new[] { newest.Name }, catalog.List("*.rdb.gz").Select(b => b.Name));
        // A catalog that does not exist is an error, not an empty list (a typo in a monitoring job must not read as "no backups").
        Assert.Equal("CatalogNotFound", Assert.Throws<RedisBackupException>(() => new BackupCatalog(tmp.Combine("missing")).List()).ErrorId);
    }

    [Fact]
    public async Task Lists_seed_named_and_foreign_files_with_what_can_be_read_cheaply()
    {
        using var tmp = new TempDirectory();
        var rdb = await CatalogFiles.RealRdbAsync();
        // The seed script's names (local time), the seed service's JSON (plain and gzip), and an RDB with any name.
        await File.WriteAllBytesAsync(tmp.Combine("redis-backup-20260117-230436.rdb"), rdb);
        await File.WriteAllBytesAsync(tmp.Combine("redis_backup_20231205_143022.json.gz"), CatalogFiles.Gzip(CatalogFiles.SeedJson("20231205_143022", "2023-12-05T14:30:22")));
        await File.WriteAllBytesAsync(tmp.Combine("redis_backup_20231201_030000.json"), CatalogFiles.SeedJson("20231201_030000", "2023-12-01T03:00:00"));
        await File.WriteAllBytesAsync(tmp.Combine("my-copy.rdb.gz"), CatalogFiles.Gzip(rdb));
        // An RDB 4 file has no ctime AUX field: its modification time is all there is.
        File.Copy(TestData.RedisAsset("encodings.rdb"), tmp.Combine("old.rdb"));
        var foreignTime = new DateTime(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(tmp.Combine("old.rdb"), foreignTime);
        // Not backups: other JSON, a text file, hidden and partial files, sidecars without a backup.
        await File.WriteAllTextAsync(tmp.Combine("package.json"), "{\"name\":\"x\"}");
        await File.WriteAllTextAsync(tmp.Combine("notes.txt"), "hello");
        await File.WriteAllBytesAsync(tmp.Combine(".redis-backup-20260118-000000.rdb.abc.partial"), rdb);
        await File.WriteAllBytesAsync(tmp.Combine(".hidden.rdb"), rdb);
        await File.WriteAllTextAsync(tmp.Combine("gone.rdb.sha256"), "x");

        var list = new BackupCatalog(tmp.Path).List();

        Assert.Equal(new[] { "redis_backup_20231201_030000.json", "redis_backup_20231205_143022.json.gz", "old.rdb", "redis-backup-20260117-230436.rdb", "my-copy.rdb.gz" },
            list.Select(b => b.Name));
        var seedGz = list[1];
        Assert.Equal(BackupFormat.SeedJson, seedGz.Format);
        Assert.Equal(BackupKind.KeyLevel, seedGz.Kind);
        Assert.True(seedGz.Compressed);
        Assert.False(seedGz.HasMetadata);
        Assert.Equal(VerificationState.NotVerified, seedGz.Verification);
        Assert.Equal(new DateTime(2023, 12, 5, 14, 30, 22, DateTimeKind.Local).ToUniversalTime(), seedGz.CreatedAt.UtcDateTime);
        Assert.False(list[0].Compressed);
        Assert.Equal(BackupFormat.SeedJson, list[0].Format);

        // No timestamp in the name: the RDB's ctime AUX field (written by the SAVE a moment ago), read through gzip.
        var copy = list[4];
        Assert.Equal(BackupFormat.Rdb, copy.Format);
        Assert.Equal(BackupKind.Snapshot, copy.Kind);
        Assert.True(copy.Compressed);
        Assert.Equal("7.0.15", copy.ServerVersion);
        Assert.InRange(copy.CreatedAt, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1));

        var old = list[2];
        Assert.Equal(BackupFormat.Rdb, old.Format);
        Assert.False(old.Compressed);
        Assert.Equal(foreignTime, old.CreatedAt.UtcDateTime);

        var script = list[3];
        Assert.Equal(BackupFormat.Rdb, script.Format);
        Assert.Equal(rdb.Length, script.SizeBytes);
        Assert.Null(script.Sha256);
        Assert.Equal(new DateTime(2026, 1, 17, 23, 4, 36, DateTimeKind.Local).ToUniversalTime(), script.CreatedAt.UtcDateTime);
    }

    [Fact]
    public async Task Describe_reads_any_file_and_get_validates_names()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Combine("cat"));
        var r = CatalogFiles.Commit(catalog, await CatalogFiles.RealRdbAsync());
        Assert.Equal(r, BackupCatalog.Describe(r.Path));
        Assert.Equal(r, catalog.Get(r.Name));

        var outside = tmp.Combine("elsewhere.rdb");
        await File.WriteAllBytesAsync(outside, await CatalogFiles.RealRdbAsync());
        var d = BackupCatalog.Describe(outside);
        Assert.Equal(BackupFormat.Rdb, d.Format);
        Assert.False(d.HasMetadata);

        Assert.Equal("BackupNotFound", Assert.Throws<RedisBackupException>(() => BackupCatalog.Describe(tmp.Combine("nope.rdb"))).ErrorId);
        Assert.Equal("BackupNotFound", Assert.Throws<RedisBackupException>(() => catalog.Get("nope.rdb")).ErrorId);
        Assert.Equal("InvalidBackupName", Assert.Throws<RedisBackupException>(() => catalog.Get("../elsewhere.rdb")).ErrorId);
    }

    [Fact]
    public async Task Thousand_backups_list_within_a_generous_bound()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        var rdb = await CatalogFiles.RealRdbAsync();
        var t0 = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 700; i++)
            CatalogFiles.Commit(catalog, rdb, createdAt: t0.AddHours(i));
        for (var i = 0; i < 300; i++) // foreign ones need a header sniff
            await File.WriteAllBytesAsync(tmp.Combine($"redis-backup-{t0.AddHours(1000 + i):yyyyMMdd-HHmmss}-x.rdb.gz"), CatalogFiles.Gzip(rdb));

        catalog.List(); // warm up the JIT
        var sw = Stopwatch.StartNew();
        var list = catalog.List();
        sw.Stop();

        Assert.Equal(1000, list.Count);
        Assert.True(list.Zip(list.Skip(1)).All(p => p.First.CreatedAt <= p.Second.CreatedAt));
        output.WriteLine($"Listing 1,000 backups (700 with sidecars, 300 foreign gzip RDBs) took {sw.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"Listing took {sw.Elapsed}");
    }
}
