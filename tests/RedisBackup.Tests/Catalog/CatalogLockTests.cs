using System.Diagnostics;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

public class CatalogLockTests
{
    [Fact]
    public void Second_run_on_the_same_directory_gets_catalog_locked_until_the_first_ends()
    {
        using var tmp = new TempDirectory();
        var first = new BackupCatalog(tmp.Path);
        var second = new BackupCatalog(tmp.Path + "/");
        using (first.AcquireLock())
        {
            var ex = Assert.Throws<RedisBackupException>(() => second.AcquireLock());
            Assert.Equal(ErrorKind.ResourceBusy, ex.Kind);
            Assert.Equal("CatalogLocked", ex.ErrorId);
            Assert.Contains(Path.Combine(tmp.Path, ".redis-backup.lock"), ex.Message);
            Assert.Contains("Another backup is running", ex.Message);
        }
        using (second.AcquireLock()) { }
        Assert.Empty(second.List());
    }

    [Fact]
    public void Lock_held_by_another_process_blocks_and_is_released_when_that_process_dies()
    {
        if (OperatingSystem.IsWindows()) return;
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        using (catalog.AcquireLock()) { } // creates the lock file

        // flock(1) takes the same OS lock .NET takes for FileShare.None, from another process, and says when it holds it.
        var psi = new ProcessStartInfo("flock", ["-x", "-o", Path.Combine(tmp.Path, ".redis-backup.lock"), "sh", "-c", "echo locked; exec sleep 60"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        using var holder = Process.Start(psi)!;
        try
        {
            Assert.Equal("locked", holder.StandardOutput.ReadLine());
            var locked = Assert.Throws<RedisBackupException>(() => catalog.AcquireLock());
            Assert.Equal("CatalogLocked", locked.ErrorId);
        }
        finally
        {
            holder.Kill(entireProcessTree: true); // a crash: nobody cleans up the lock file
            holder.WaitForExit();
        }
        Assert.True(File.Exists(Path.Combine(tmp.Path, ".redis-backup.lock")));
        using (catalog.AcquireLock()) { } // the stale file does not block
    }

    [Fact]
    public void A_lock_released_within_a_moment_is_taken_instead_of_failing_the_run()
    {
        // A run that ended a moment ago can leave its lock held briefly by a child process being started (the descriptor
        // lives until the child's exec): such a lock, released within the wait, must not fail the next run.
        if (OperatingSystem.IsWindows()) return;
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        using (catalog.AcquireLock()) { }
        var psi = new ProcessStartInfo("flock", ["-x", "-o", Path.Combine(tmp.Path, ".redis-backup.lock"), "sh", "-c", "echo locked; exec sleep 0.3"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        using var holder = Process.Start(psi)!;
        try
        {
            Assert.Equal("locked", holder.StandardOutput.ReadLine());
            var waited = Stopwatch.StartNew();
            using (catalog.AcquireLock()) { }
            Assert.InRange(waited.Elapsed, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
        }
        finally
        {
            if (!holder.HasExited) holder.Kill(entireProcessTree: true);
            holder.WaitForExit();
        }
    }

    [Fact]
    public void Concurrent_runs_on_the_same_directory_never_overlap()
    {
        using var tmp = new TempDirectory();
        var inside = 0;
        var overlaps = 0;
        var committed = 0;
        Parallel.For(0, 8, _ =>
        {
            var catalog = new BackupCatalog(tmp.Path);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    using var l = catalog.AcquireLock();
                    if (Interlocked.Increment(ref inside) > 1) Interlocked.Increment(ref overlaps);
                    CatalogFiles.Commit(catalog, "REDIS0011"u8.ToArray(), createdAt: new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), verified: false);
                    Interlocked.Decrement(ref inside);
                    Interlocked.Increment(ref committed);
                    return;
                }
                catch (RedisBackupException ex) when (ex.ErrorId == "CatalogLocked")
                {
                    Thread.Sleep(5);
                }
            }
        });
        Assert.Equal(0, overlaps);
        Assert.Equal(8, committed);
        var names = new BackupCatalog(tmp.Path).List().Select(b => b.Name).ToList();
        Assert.Equal(8, names.Distinct().Count());
    }
}
