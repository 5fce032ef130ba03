using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedisBackup.Tests.Catalog;

public class CatalogFullDiskTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_full_disk_removes_the_partial_file_keeps_earlier_backups_and_is_journaled()
    {
        using var volume = SmallVolume.TryMount();
        using var fallback = new TempDirectory();
        output.WriteLine(volume is null ? "tmpfs mount unavailable: using a write limit" : $"1 MiB tmpfs at {volume.Path}");
        var catalog = new BackupCatalog(Path.Combine(volume?.Path ?? fallback.Path, "backups"));
        var rdb = await CatalogFiles.RealRdbAsync();
        var earlier = CatalogFiles.Commit(catalog, rdb, createdAt: DateTimeOffset.UtcNow.AddHours(-1));
        var before = Contents(catalog.Directory);

        var big = new byte[2 << 20];
        Random.Shared.NextBytes(big);
        var failure = Assert.ThrowsAny<IOException>(() =>
        {
            using var l = catalog.AcquireLock();
            try
            {
                using var pending = catalog.CreatePending(BackupKind.Snapshot, BackupFormat.Rdb, false, DateTimeOffset.UtcNow);
                Stream sink = volume is null ? new WriteLimitStream(pending.Stream, 64 * 1024) : pending.Stream;
                for (var i = 0; i < big.Length; i += 64 * 1024) sink.Write(big, i, 64 * 1024);
                pending.Stream.Flush(flushToDisk: true);
                catalog.Commit(pending, new BackupMetadata { Verified = true });
            }
            catch (IOException ex)
            {
                catalog.RecordFailure("backup", "test", ex);
                throw;
            }
        });
        output.WriteLine("Failure: " + failure.Message);

        Assert.Equal(before, Contents(catalog.Directory));
        Assert.Equal(await File.ReadAllBytesAsync(earlier.Path), rdb);
        Assert.Equal(new[] { earlier }, catalog.List());
        var last = catalog.GetStats().LastFailure;
        Assert.NotNull(last);
        Assert.Contains("No space left", last.Message);
    }

    [Fact]
    public async Task A_commit_that_cannot_write_its_sidecars_leaves_no_backup()
    {
        using var volume = SmallVolume.TryMount();
        if (volume is null)
        {
            output.WriteLine("tmpfs mount unavailable (needs root): the sidecar-write failure cannot be produced without a real small volume");
            return;
        }
        var catalog = new BackupCatalog(Path.Combine(volume.Path, "backups"));
        var earlier = CatalogFiles.Commit(catalog, await CatalogFiles.RealRdbAsync(), createdAt: DateTimeOffset.UtcNow.AddHours(-1));
        var before = Contents(catalog.Directory);

        // Fill the volume, then free exactly three pages: the backup fits, its sidecars do not.
        var filler = Path.Combine(volume.Path, "filler.bin");
        using (var f = new FileStream(filler, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            var page = new byte[4096];
            try { while (true) f.Write(page); }
            catch (IOException) { }
            f.SetLength(f.Length - 3 * 4096);
        }
        using (var pending = catalog.CreatePending(BackupKind.Snapshot, BackupFormat.Rdb, false, DateTimeOffset.UtcNow))
        {
            pending.Stream.Write(new byte[3 * 4096]);
            pending.Stream.Flush(flushToDisk: true);
            Assert.ThrowsAny<IOException>(() => catalog.Commit(pending, new BackupMetadata { Verified = true }));
            Assert.False(pending.Committed);
            Assert.False(File.Exists(pending.TempPath));
        }

        Assert.Equal(before, Contents(catalog.Directory));
        Assert.Equal(new[] { earlier }, catalog.List());
    }

    [Fact]
    public async Task A_snapshot_run_that_fills_the_volume_fails_cleanly()
    {
        using var volume = SmallVolume.TryMount();
        if (volume is null)
        {
            output.WriteLine("tmpfs mount unavailable (needs root): covered by the write-limit test above");
            return;
        }
        await using var server = await RedisServer.StartAsync();
        await CatalogFiles.FillAsync(server, 20);
        var dir = Path.Combine(volume.Path, "backups");
        var earlier = await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = server.Endpoint, Directory = dir });
        var before = Contents(dir);
        var big = new byte[1 << 20];
        Random.Shared.NextBytes(big);
        await using (var c = await server.ConnectAsync())
        {
            await c.ExecuteAsync(CancellationToken.None, "SET", "big:1", big);
            await c.ExecuteAsync(CancellationToken.None, "SET", "big:2", big);
        }

        var ex = await Assert.ThrowsAnyAsync<RedisBackupException>(() => BackupOperation.RunAsync(
            new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = server.Endpoint, Directory = dir, Keep = 1 }));
        output.WriteLine($"{ex.ErrorId}: {ex.Message}");
        Assert.Equal("BackupDiskFull", ex.ErrorId); // a full disk, not mistaken for a lost connection

        Assert.Equal(before, Contents(dir));
        var catalog = new BackupCatalog(dir);
        Assert.Equal(new[] { earlier.Backup }, catalog.List());
        Assert.True((await VerifyOperation.RunAsync(earlier.Backup)).IsValid);
        var failure = catalog.GetStats().LastFailure;
        Assert.NotNull(failure);
        Assert.Equal("backup", failure.Operation);
    }

    /// <summary>The catalog's files, without the lock and the journal.</summary>
    private static string[] Contents(string dir) => Directory.GetFiles(dir).Select(p => Path.GetFileName(p)!)
        .Where(n => n is not ".redis-backup.lock" and not ".redis-backup-journal.jsonl").Order().ToArray();
}
