using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

public class CatalogRemovalTests
{
    [Fact]
    public async Task Removes_the_backup_with_its_sidecars()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        var a = CatalogFiles.Commit(catalog, await CatalogFiles.RealRdbAsync(), createdAt: DateTimeOffset.UtcNow.AddHours(-1));
        var b = CatalogFiles.Commit(catalog, await CatalogFiles.RealRdbAsync());

        Assert.Equal(a, catalog.Remove(a.Name, dryRun: true));
        Assert.True(File.Exists(a.Path));

        Assert.Equal(a, catalog.Remove(a.Name));
        Assert.False(File.Exists(a.Path));
        Assert.False(File.Exists(a.Path + ".meta.json"));
        Assert.False(File.Exists(a.Path + ".sha256"));
        Assert.Equal(new[] { b.Name }, catalog.List().Select(x => x.Name));

        var missing = Assert.Throws<RedisBackupException>(() => catalog.Remove(a.Name));
        Assert.Equal(ErrorKind.NotFound, missing.Kind);
        Assert.Equal("BackupNotFound", missing.ErrorId);
    }

    [Theory]
    [InlineData("../victim.rdb")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("sub/victim.rdb")]
    [InlineData("sub\\victim.rdb")]
    [InlineData("ABSOLUTE")]
    [InlineData(".redis-backup.lock")]
    [InlineData("redis-backup-20260101-000000.rdb.sha256")]
    public async Task Bad_names_are_refused_and_nothing_is_deleted(string name)
    {
        using var tmp = new TempDirectory();
        var catalogDir = tmp.Combine("catalog");
        var catalog = new BackupCatalog(catalogDir);
        var rdb = await CatalogFiles.RealRdbAsync();
        var kept = CatalogFiles.Commit(catalog, rdb, createdAt: new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var victim = tmp.Combine("victim.rdb");
        await File.WriteAllBytesAsync(victim, rdb);
        Directory.CreateDirectory(Path.Combine(catalogDir, "sub"));
        await File.WriteAllBytesAsync(Path.Combine(catalogDir, "sub", "victim.rdb"), rdb);
        using (catalog.AcquireLock()) { }
        if (name == "ABSOLUTE") name = victim;
        var before = Snapshot(tmp.Path);

        var ex = Assert.Throws<RedisBackupException>(() => catalog.Remove(name));

        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("InvalidBackupName", ex.ErrorId);
        Assert.Equal(before, Snapshot(tmp.Path));
        Assert.True(File.Exists(kept.Path));
    }

    [Fact]
    public async Task Symlink_out_of_the_catalog_is_refused_and_inside_one_removes_only_the_link()
    {
        if (OperatingSystem.IsWindows()) return;
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Combine("catalog"));
        var rdb = await CatalogFiles.RealRdbAsync();
        var real = CatalogFiles.Commit(catalog, rdb);
        var outside = tmp.Combine("precious.rdb");
        await File.WriteAllBytesAsync(outside, rdb);
        File.CreateSymbolicLink(Path.Combine(catalog.Directory, "redis-backup-20250101-000000.rdb"), outside);
        File.CreateSymbolicLink(Path.Combine(catalog.Directory, "relative-escape.rdb"), "../precious.rdb");
        var before = Snapshot(tmp.Path);

        foreach (var link in new[] { "redis-backup-20250101-000000.rdb", "relative-escape.rdb" })
        {
            var ex = Assert.Throws<RedisBackupException>(() => catalog.Remove(link));
            Assert.Equal("BackupOutsideCatalog", ex.ErrorId);
            Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
            Assert.Contains(outside, ex.Message);
        }
        Assert.Equal(before, Snapshot(tmp.Path));

        // Retention skips links out of the catalog too.
        Assert.DoesNotContain(catalog.ApplyRetention(new RetentionPolicy(1, null), real), b => b.Name.Contains("escape") || b.Name.StartsWith("redis-backup-2025"));
        Assert.True(File.Exists(outside));

        var inside = Path.Combine(catalog.Directory, "alias.rdb");
        File.CreateSymbolicLink(inside, real.Name);
        catalog.Remove("alias.rdb");
        Assert.False(File.Exists(inside));
        Assert.True(File.Exists(real.Path));
    }

    [Fact]
    public async Task Files_that_are_not_backups_are_left_alone()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        await File.WriteAllTextAsync(tmp.Combine("notes.rdb"), "just text");
        await File.WriteAllTextAsync(tmp.Combine("readme.txt"), "just text");
        Assert.Equal("NotABackup", Assert.Throws<RedisBackupException>(() => catalog.Remove("notes.rdb")).ErrorId);
        Assert.Equal("NotABackup", Assert.Throws<RedisBackupException>(() => catalog.Remove("readme.txt")).ErrorId);
        Assert.True(File.Exists(tmp.Combine("notes.rdb")));
        Assert.True(File.Exists(tmp.Combine("readme.txt")));
    }

    private static string Snapshot(string root)
        => string.Join("\n", Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Order()
            .Select(p => p + (File.Exists(p) ? " " + new FileInfo(p).Length : "")));
}
