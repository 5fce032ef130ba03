using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

/// <summary>The catalog as the backup orchestrator uses it, end to end against a real redis-server (RDB snapshots over replication).</summary>
public class BackupOperationCatalogTests
{
    [Fact]
    public async Task Snapshot_runs_commit_verified_backups_and_retention_keeps_the_newest()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var c = await server.ConnectAsync())
            for (var i = 0; i < 50; i++) await c.ExecuteAsync(CancellationToken.None, "SET", $"k{i}", $"v{i}");
        using var tmp = new TempDirectory();
        var request = new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = server.Endpoint, Directory = tmp.Combine("cat"), Compress = true, Keep = 2 };

        var outcomes = new List<BackupOutcome>();
        for (var i = 0; i < 3; i++) outcomes.Add(await BackupOperation.RunAsync(request));

        var catalog = new BackupCatalog(request.Directory);
        var list = catalog.List();
        Assert.Equal(outcomes.Skip(1).Select(o => o.Backup.Name), list.Select(b => b.Name));
        Assert.Equal(new[] { outcomes[0].Backup.Name }, outcomes[2].Removed.Select(b => b.Name));
        Assert.Empty(outcomes[1].Removed);
        var latest = list[^1];
        Assert.Equal(outcomes[2].Backup, latest);
        Assert.Equal(50, latest.KeyCount);
        Assert.Equal(VerificationState.Verified, latest.Verification);
        Assert.StartsWith("replication:", latest.Source);
        Assert.True(latest.Compressed);
        Assert.EndsWith(".rdb.gz", latest.Name);
        var verify = await VerifyOperation.RunAsync(latest);
        Assert.True(verify.IsValid, string.Join("; ", verify.Problems));
        Assert.Equal(50, verify.KeyCount);

        var stats = catalog.GetStats();
        Assert.Equal(2, stats.TotalBackups);
        Assert.Equal(2, stats.SnapshotCount);
        Assert.Equal(0, stats.KeyLevelCount);
        Assert.Equal(list.Sum(b => b.SizeBytes), stats.TotalSizeBytes);
        Assert.Equal(latest, stats.Latest);
        Assert.Equal(list[0], stats.Oldest);
        Assert.Equal(latest, stats.LatestVerified);
        Assert.InRange(stats.LatestVerifiedAge!.Value, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.True(stats.FreeSpaceBytes > 0);
        Assert.Null(stats.LastFailure);
        Assert.DoesNotContain(Directory.GetFiles(catalog.Directory), f => f.EndsWith(".partial"));
    }

    [Fact]
    public async Task A_failed_run_is_journaled_leaves_no_partial_and_skips_retention()
    {
        await using var server = await RedisServer.StartAsync();
        using var tmp = new TempDirectory();
        var dir = tmp.Combine("cat");
        var first = await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = server.Endpoint, Directory = dir });
        var second = await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = server.Endpoint, Directory = dir });
        var deadPort = RedisServer.FreePort();

        await Assert.ThrowsAnyAsync<RedisBackupException>(() => BackupOperation.RunAsync(new BackupRequest
        {
            Kind = BackupKind.Snapshot,
            Endpoint = new RedisEndpoint { Host = "127.0.0.1", Port = deadPort, ConnectTimeout = TimeSpan.FromSeconds(2) },
            Directory = dir,
            Keep = 1,
        }));

        var catalog = new BackupCatalog(dir);
        Assert.Equal(new[] { first.Backup.Name, second.Backup.Name }, catalog.List().Select(b => b.Name));
        Assert.DoesNotContain(Directory.GetFiles(dir), f => f.EndsWith(".partial"));
        var failure = catalog.GetStats().LastFailure;
        Assert.NotNull(failure);
        Assert.Equal("backup", failure.Operation);
        Assert.Contains(deadPort.ToString(System.Globalization.CultureInfo.InvariantCulture), failure.Source);
    }

    [Fact]
    public async Task A_run_while_the_catalog_is_locked_fails_with_catalog_locked_touches_no_backup_and_is_journaled()
    {
        await using var server = await RedisServer.StartAsync();
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        using (catalog.AcquireLock())
        {
            var ex = await Assert.ThrowsAsync<RedisBackupException>(() => BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = server.Endpoint, Directory = tmp.Path }));
            Assert.Equal("CatalogLocked", ex.ErrorId);
        }
        Assert.Empty(catalog.List());
        // The skipped run is in the journal, so stats show a cron run that did not happen.
        var skipped = catalog.GetStats().LastFailure;
        Assert.NotNull(skipped);
        Assert.Equal("CatalogLocked", skipped.ErrorId);
        Assert.Equal("backup", skipped.Operation);
        Assert.Equal("replication:" + server.Endpoint, skipped.Source);
    }
}
