using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

public class CatalogRetentionTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static async Task<(BackupCatalog Catalog, TempDirectory Tmp, byte[] Rdb)> NewAsync()
    {
        var tmp = new TempDirectory();
        return (new BackupCatalog(tmp.Path), tmp, await CatalogFiles.RealRdbAsync());
    }

    private static string[] Names(BackupCatalog c) => c.List().Select(b => b.Name).ToArray();

    [Fact]
    public async Task Keep_one_leaves_only_the_backup_just_made_and_removes_sidecars_too()
    {
        var (catalog, tmp, rdb) = await NewAsync();
        using var _ = tmp;
        var old = Enumerable.Range(1, 3).Select(i => CatalogFiles.Commit(catalog, rdb, createdAt: Now.AddDays(-i))).ToList();
        var made = CatalogFiles.Commit(catalog, rdb, createdAt: Now);

        var removed = catalog.ApplyRetention(new RetentionPolicy(1, null), made);

        Assert.Equal(old.Select(b => b.Name).Order(), removed.Select(b => b.Name).Order());
        Assert.Equal(new[] { made.Name }, Names(catalog));
        Assert.Equal(new[] { made.Name, made.Name + ".meta.json", made.Name + ".sha256" }.Order(),
            Directory.GetFiles(catalog.Directory).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order());
    }

    [Fact]
    public async Task Dry_run_reports_and_deletes_nothing()
    {
        var (catalog, tmp, rdb) = await NewAsync();
        using var _ = tmp;
        CatalogFiles.Commit(catalog, rdb, createdAt: Now.AddDays(-2));
        var made = CatalogFiles.Commit(catalog, rdb, createdAt: Now);
        var before = Names(catalog);
        Assert.Single(catalog.ApplyRetention(new RetentionPolicy(1, null), made, dryRun: true));
        Assert.Equal(before, Names(catalog));
    }

    [Fact]
    public async Task Unverified_and_failed_files_never_fill_a_slot()
    {
        var (catalog, tmp, rdb) = await NewAsync();
        using var _ = tmp;
        var v1 = CatalogFiles.Commit(catalog, rdb, createdAt: Now.AddDays(-5));
        var v2 = CatalogFiles.Commit(catalog, rdb, createdAt: Now.AddDays(-4));
        // Newer files that do not verify: a foreign copy with no metadata, a never-verified commit, and a failed one.
        var foreign = tmp.Combine("redis-backup-" + Now.AddDays(-3).ToLocalTime().ToString("yyyyMMdd-HHmmss") + ".rdb");
        await File.WriteAllBytesAsync(foreign, rdb);
        var unverified = CatalogFiles.Commit(catalog, rdb, createdAt: Now.AddDays(-2), verified: false);
        var failed = CatalogFiles.Commit(catalog, rdb, createdAt: Now.AddDays(-1));
        MarkFailed(failed);

        // Keep 2: the two verified ones are the newest two that count, so nothing goes.
        Assert.Empty(catalog.ApplyRetention(new RetentionPolicy(2, null), null));
        Assert.Equal(5, catalog.List().Count);

        // Keep 1: v1 goes; the unverified files are newer than the kept verified one, so they stay.
        var removed = catalog.ApplyRetention(new RetentionPolicy(1, null), null);
        Assert.Equal(new[] { v1.Name }, removed.Select(b => b.Name));
        Assert.Equal(new[] { v2.Name, Path.GetFileName(foreign), unverified.Name, failed.Name }, Names(catalog));
    }

    [Fact]
    public async Task Files_of_unknown_source_are_never_removed_by_retention_and_other_kinds_are_out_of_scope()
    {
        var (catalog, tmp, rdb) = await NewAsync();
        using var _ = tmp;
        var seedFile = tmp.Combine("redis_backup_20200101_000000.json.gz");
        await File.WriteAllBytesAsync(seedFile, CatalogFiles.Gzip(CatalogFiles.SeedJson("20200101_000000", "2020-01-01T00:00:00")));
        var oldRdb = tmp.Combine("redis-backup-20200102-000000.rdb");
        await File.WriteAllBytesAsync(oldRdb, rdb);
        var keys = CatalogFiles.Commit(catalog, await CatalogFiles.RealKeyFileAsync(), BackupKind.KeyLevel, BackupFormat.KeysJsonl, true, Now.AddDays(-1));
        var made = CatalogFiles.Commit(catalog, await CatalogFiles.RealKeyFileAsync(), BackupKind.KeyLevel, BackupFormat.KeysJsonl, true, Now);

        // Only key-level backups of the same source are in scope of a key-level run: the old RDB stays, and so does the
        // seed service's file, whose source is unknown (retention never removes what it cannot attribute).
        var removed = catalog.ApplyRetention(new RetentionPolicy(1, TimeSpan.FromDays(1)), made);
        Assert.Equal(new[] { keys.Name }, removed.Select(b => b.Name));
        Assert.Equal(new[] { Path.GetFileName(seedFile), Path.GetFileName(oldRdb), made.Name }, Names(catalog));
    }

    [Fact]
    public async Task Max_age_removes_old_backups_but_never_the_last_that_verifies_or_the_one_just_made()
    {
        var (catalog, tmp, rdb) = await NewAsync();
        using var _ = tmp;
        var d10 = CatalogFiles.Commit(catalog, rdb, createdAt: Now.AddDays(-10));
        var d8 = CatalogFiles.Commit(catalog, rdb, createdAt: Now.AddDays(-8));
        var d1 = CatalogFiles.Commit(catalog, rdb, createdAt: Now.AddDays(-1));

        var removed = catalog.ApplyRetention(new RetentionPolicy(null, TimeSpan.FromDays(7)), null);
        Assert.Equal(new[] { d10.Name, d8.Name }, removed.Select(b => b.Name));
        Assert.Equal(new[] { d1.Name }, Names(catalog));

        // Everything is older than the limit: the newest verified backup survives anyway.
        Assert.Empty(catalog.ApplyRetention(new RetentionPolicy(null, TimeSpan.FromHours(1)), null));
        Assert.Equal(new[] { d1.Name }, Names(catalog));

        // A new backup that did not verify is kept because it was just made; the last verified one is kept too.
        var made = CatalogFiles.Commit(catalog, rdb, createdAt: Now, verified: false);
        Assert.Empty(catalog.ApplyRetention(new RetentionPolicy(1, TimeSpan.FromHours(1)), made));
        Assert.Equal(new[] { d1.Name, made.Name }, Names(catalog));
    }

    [Fact]
    public async Task Never_deletes_the_last_verified_even_when_newer_ones_failed()
    {
        var (catalog, tmp, rdb) = await NewAsync();
        using var _ = tmp;
        var good = CatalogFiles.Commit(catalog, rdb, createdAt: Now.AddDays(-3));
        var bad1 = CatalogFiles.Commit(catalog, rdb, createdAt: Now.AddDays(-2));
        var bad2 = CatalogFiles.Commit(catalog, rdb, createdAt: Now.AddDays(-1));
        MarkFailed(bad1);
        MarkFailed(bad2);
        var removed = catalog.ApplyRetention(new RetentionPolicy(1, TimeSpan.FromHours(1)), null);
        Assert.DoesNotContain(removed, b => b.Name == good.Name);
        Assert.Equal(new[] { good.Name }, Names(catalog));
    }

    [Fact]
    public async Task Invalid_policies_are_refused()
    {
        var (catalog, tmp, _) = await NewAsync();
        using var __ = tmp;
        Assert.Equal("InvalidKeep", Assert.Throws<RedisBackupException>(() => catalog.ApplyRetention(new RetentionPolicy(0, null), null)).ErrorId);
        Assert.Equal("InvalidMaxAge", Assert.Throws<RedisBackupException>(() => catalog.ApplyRetention(new RetentionPolicy(null, TimeSpan.Zero), null)).ErrorId);
    }

    /// <summary>What a failed verification leaves in the sidecar.</summary>
    private static void MarkFailed(BackupRecord b)
    {
        var meta = b.Path + ".meta.json";
        File.WriteAllText(meta, File.ReadAllText(meta).Replace("\"verification\": \"verified\"", "\"verification\": \"failed\""));
        Assert.Equal(VerificationState.Failed, BackupCatalog.Describe(b.Path).Verification);
    }
}
