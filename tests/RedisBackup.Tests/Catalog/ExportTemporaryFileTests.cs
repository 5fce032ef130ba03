using System.Diagnostics;
using System.Globalization;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

/// <summary>
/// The key index's spill file (the export's only temporary file besides the .partial backup) exists while a big export
/// runs, has no name in the catalog from the moment it is created, and is gone after success, failure, cancellation
/// and SIGKILL. Whether it is open is read from /proc (the process's open files), so the tests prove the file was
/// really used and really closed, not only that nothing is listed.
/// </summary>
public class ExportTemporaryFileTests
{
    private const string SpillSuffix = ".keyindex.partial";

    /// <summary>
    /// The spill files a process has open in <paramref name="dir"/> (their links end in " (deleted)": they have no name
    /// left). Only that directory's: other tests in this process export at the same time.
    /// </summary>
    private static List<string> OpenSpillFiles(int pid, string dir)
    {
        var result = new List<string>();
        foreach (var fd in Directory.EnumerateFiles($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd"))
        {
            string? target;
            try { target = new FileInfo(fd).LinkTarget; }
            catch (IOException) { continue; } // closed meanwhile
            if (target is not null && target.StartsWith(dir + "/", StringComparison.Ordinal) && target.Contains(SpillSuffix, StringComparison.Ordinal)) result.Add(target);
        }
        return result;
    }

    private static void AssertNoTemporaryFiles(string dir)
        => Assert.DoesNotContain(Directory.GetFiles(dir), f => f.EndsWith(".partial", StringComparison.Ordinal));

    /// <summary>A clock that runs an action at the export's SCAN batches (the scanner reads it once a batch).</summary>
    private sealed class AtBatch(int batch, Action action) : TimeProvider
    {
        private int _calls;

        public override DateTimeOffset GetUtcNow()
        {
            if (Interlocked.Increment(ref _calls) - 1 == batch) action();
            return DateTimeOffset.UtcNow;
        }
    }

    private static async Task<RedisServer> ServerWithKeysAsync(int keys)
    {
        var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", keys, "key", 20);
        return server;
    }

    [Fact(Timeout = 300_000)]
    public async Task A_successful_big_export_used_a_spill_file_without_a_name_and_closed_it()
    {
        await using var server = await ServerWithKeysAsync(20_000);
        using var dir = new TempDirectory();
        List<string>? during = null;
        var request = new BackupRequest
        {
            Endpoint = server.Endpoint, Directory = dir.Path, IndexRunCapacity = 1000,
            Clock = new AtBatch(10, () => during = OpenSpillFiles(Environment.ProcessId, dir.Path)),
        };
        var outcome = await BackupOperation.RunAsync(request);
        Assert.Equal(20_000, outcome.Backup.KeyCount);
        Assert.NotNull(during);
        var spill = Assert.Single(during);
        Assert.StartsWith(dir.Path, spill);
        Assert.EndsWith(SpillSuffix + " (deleted)", spill);
        Assert.Empty(OpenSpillFiles(Environment.ProcessId, dir.Path));
        AssertNoTemporaryFiles(dir.Path);
    }

    [Fact(Timeout = 300_000)]
    public async Task A_backup_whose_server_goes_away_leaves_no_temporary_file()
    {
        await using var server = await ServerWithKeysAsync(20_000);
        using var dir = new TempDirectory();
        var spills = 0;
        var request = new BackupRequest
        {
            Endpoint = server.Endpoint, Directory = dir.Path, IndexRunCapacity = 1000,
            Clock = new AtBatch(10, () =>
            {
                spills = OpenSpillFiles(Environment.ProcessId, dir.Path).Count;
                using var c = server.ConnectAsync().GetAwaiter().GetResult();
                try { c.ExecuteAsync(CancellationToken.None, "SHUTDOWN", "NOSAVE").GetAwaiter().GetResult(); }
                catch (Exception ex) when (ex is RedisBackupException or IOException) { /* the server closes the connection */ }
            }),
        };
        await Assert.ThrowsAnyAsync<RedisBackupException>(() => BackupOperation.RunAsync(request));
        Assert.Equal(1, spills);
        Assert.Empty(OpenSpillFiles(Environment.ProcessId, dir.Path));
        AssertNoTemporaryFiles(dir.Path);
    }

    [Fact(Timeout = 300_000)]
    public async Task A_cancelled_backup_leaves_no_temporary_file()
    {
        await using var server = await ServerWithKeysAsync(20_000);
        using var dir = new TempDirectory();
        using var cts = new CancellationTokenSource();
        var spills = 0;
        var request = new BackupRequest
        {
            Endpoint = server.Endpoint, Directory = dir.Path, IndexRunCapacity = 1000,
            Clock = new AtBatch(10, () =>
            {
                spills = OpenSpillFiles(Environment.ProcessId, dir.Path).Count;
                cts.Cancel();
            }),
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => BackupOperation.RunAsync(request, null, cts.Token));
        Assert.Equal(1, spills);
        Assert.Empty(OpenSpillFiles(Environment.ProcessId, dir.Path));
        AssertNoTemporaryFiles(dir.Path);
    }

    [Fact(Timeout = 600_000)]
    public async Task A_backup_killed_with_SIGKILL_leaves_no_spill_file()
    {
        // 600,000 keys: more than two runs of the index, so the spill file is in use long before the end.
        await using var server = await ServerWithKeysAsync(600_000);
        using var dir = new TempDirectory();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { CliRun.DllPath, "backup", "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--dir", dir.Path })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        List<string> spills = [];
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (spills.Count == 0 && !process.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            try { spills = OpenSpillFiles(process.Id, dir.Path); }
            catch (DirectoryNotFoundException) { break; } // exited
        }
        Assert.True(spills.Count == 1, $"the backup never had its spill file open; {(process.HasExited ? $"it exited {process.ExitCode}: {await stderr}" : "still running")}");
        Assert.EndsWith(" (deleted)", spills[0]);
        process.Kill(); // SIGKILL
        await process.WaitForExitAsync();
        await stdout;
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.EndsWith(SpillSuffix, StringComparison.Ordinal));
    }
}
