using System.Diagnostics;
using System.Globalization;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

/// <summary>
/// Issue 9, item 14 (and issue 10's journalled cancellations): failed restores, runs skipped because another holds the
/// catalog, and Ctrl+C are journalled with the operation, source, target and a real error id, so stats can show a
/// skipped cron run and the last failed restore.
/// </summary>
public class JournalCoverageTests
{
    [Fact]
    public async Task A_failed_restore_is_journaled_with_its_source_target_and_error_id()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var c = await server.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "10");
        using var tmp = new TempDirectory();
        var backup = await BackupOperation.RunAsync(new BackupRequest { Endpoint = server.Endpoint, Directory = tmp.Path });

        var run = await new CliRun().RunAsync("restore", backup.Backup.Name, "--dir", tmp.Path, "--port", "1", "--json");
        Assert.True(run.ExitCode == 1, run.ToString());

        var stats = await new CliRun().RunAsync("stats", "--dir", tmp.Path, "--json");
        var failure = stats.Json().GetProperty("lastRestoreFailure");
        Assert.Equal("restore", failure.GetProperty("operation").GetString());
        Assert.Equal("RedisConnectionFailed", failure.GetProperty("errorId").GetString());
        Assert.Equal(backup.Backup.Path, failure.GetProperty("source").GetString());
        Assert.Equal("redis://127.0.0.1:1", failure.GetProperty("target").GetString());
        var human = await new CliRun().RunAsync("stats", "--dir", tmp.Path);
        Assert.Contains($"restore of {backup.Backup.Path} into redis://127.0.0.1:1: RedisConnectionFailed", human.Stdout, StringComparison.Ordinal);

        // A later backup failure does not hide the last failed restore.
        await new CliRun().RunAsync("backup", "--port", "1", "--dir", tmp.Path);
        var after = new BackupCatalog(tmp.Path).GetStats();
        Assert.Equal("backup", after.LastFailure?.Operation);
        Assert.Equal("restore", after.LastRestoreFailure?.Operation);
        Assert.Contains("Last failed restore:", (await new CliRun().RunAsync("stats", "--dir", tmp.Path)).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_skipped_because_the_catalog_is_locked_is_journaled()
    {
        await using var server = await RedisServer.StartAsync();
        using var tmp = new TempDirectory();
        using (new BackupCatalog(tmp.Path).AcquireLock()) { } // creates the lock file
        var psi = new ProcessStartInfo("flock", ["-x", "-o", tmp.Combine(".redis-backup.lock"), "sh", "-c", "echo locked; exec sleep 60"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        using var holder = Process.Start(psi)!;
        try
        {
            Assert.Equal("locked", await holder.StandardOutput.ReadLineAsync());
            var run = await new CliRun().RunAsync("backup", "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--dir", tmp.Path, "--quiet");
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("Another backup is running", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }
        var stats = await new CliRun().RunAsync("stats", "--dir", tmp.Path);
        Assert.Contains($"backup of redis://127.0.0.1:{server.Port}: CatalogLocked", stats.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_c_during_a_backup_and_during_a_restore_is_journaled_as_cancelled()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var c = await server.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "1000000", "key", "100");
        using var tmp = new TempDirectory();
        var port = server.Port.ToString(CultureInfo.InvariantCulture);

        using (var ctrlC = new CancellationTokenSource(TimeSpan.FromMilliseconds(800)))
        {
            var run = await new CliRun().RunAsync(ctrlC.Token, "backup", "--port", port, "--dir", tmp.Path);
            Assert.True(run.ExitCode == 130, run.ToString());
        }
        var last = new BackupCatalog(tmp.Path).GetStats().LastFailure;
        Assert.NotNull(last);
        Assert.Equal(("backup", "Cancelled"), (last.Operation, last.ErrorId));

        // A restore cancelled part-way: the million keys into a second server.
        var backup = await BackupOperation.RunAsync(new BackupRequest { Endpoint = server.Endpoint, Directory = tmp.Path });
        await using var target = await RedisServer.StartAsync();
        using (var ctrlC = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
        {
            var run = await new CliRun().RunAsync(ctrlC.Token, "restore", backup.Backup.Path, "--port", target.Port.ToString(CultureInfo.InvariantCulture), "--skip-verify");
            Assert.True(run.ExitCode == 130, run.ToString());
        }
        var restore = new BackupCatalog(tmp.Path).GetStats().LastRestoreFailure;
        Assert.NotNull(restore);
        Assert.Equal("Cancelled", restore.ErrorId);
        Assert.Equal($"redis://127.0.0.1:{target.Port}", restore.Target);
    }

    [Fact]
    public async Task A_restore_of_a_file_outside_any_catalog_writes_no_journal_there()
    {
        using var tmp = new TempDirectory();
        var file = tmp.Combine("dump.rdb");
        await File.WriteAllBytesAsync(file, await CatalogFiles.RealRdbAsync());
        var run = await new CliRun().RunAsync("restore", file, "--port", "1");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(new[] { "dump.rdb" }, Directory.GetFiles(tmp.Path).Select(Path.GetFileName));
    }
}
