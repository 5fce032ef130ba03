using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;
using Xunit.Abstractions;

namespace RedisBackup.Tests.Catalog;

/// <summary>
/// Fault-matrix case 27 of issue 9, its last part: a restore reads a backup while another run's retention
/// (<c>--keep 1</c>) removes that backup from the catalog. The restore already has the file open, so it goes on to the
/// end and writes every key of the backup; retention removes the file and its sidecars as it would otherwise.
/// </summary>
public class RetentionDuringRestoreTests(ITestOutputHelper output)
{
    private const int Keys = 200_000;

    /// <summary>Runs an action, once, at the first key counter of the writing (not of the verification before it).</summary>
    private sealed class AtFirstWrite(Action action) : IProgress<OperationProgress>
    {
        private int _done;

        public void Report(OperationProgress value)
        {
            if (value.IsStep || value.Done == 0 || value.Activity.StartsWith("Verifying", StringComparison.Ordinal)
                || value.Activity.StartsWith("Checking", StringComparison.Ordinal)) return;
            if (Interlocked.Exchange(ref _done, 1) == 0) action();
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task A_backup_removed_by_retention_while_it_is_being_restored_is_still_restored_whole()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", Keys, "k", 20);
        using var dir = new TempDirectory();
        var first = (await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path })
            .WaitAsync(TimeSpan.FromMinutes(2))).Backup;

        BackupOutcome? second = null;
        var restoredInTheMiddle = 0L;
        var progress = new AtFirstWrite(() =>
        {
            // The restore waits here (its progress is reported on its own path) while a whole backup run with
            // retention goes through the same catalog.
            second = BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path, Keep = 1 })
                .WaitAsync(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
            restoredInTheMiddle = ServerComparison.DbSizeAsync(target, 0).GetAwaiter().GetResult();
        });

        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Path = first.Path, Endpoint = target.Endpoint }, progress, CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.NotNull(second);
        output.WriteLine($"retention removed {second.Removed.Count} backup(s) with {restoredInTheMiddle:N0} keys on the target; the restore then wrote {restored.Restored:N0}");
        Assert.InRange(restoredInTheMiddle, 0, Keys - 1);
        var removed = Assert.Single(second.Removed);
        Assert.Equal(first.Path, removed.Path);
        Assert.False(File.Exists(first.Path));
        Assert.False(File.Exists(first.Path + ".meta.json"));
        Assert.Equal(second.Backup.Path, Assert.Single(new BackupCatalog(dir.Path).List()).Path);

        Assert.True(restored.Success, string.Join("; ", restored.Failures));
        Assert.Equal(Keys, restored.Restored);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
    }
}
