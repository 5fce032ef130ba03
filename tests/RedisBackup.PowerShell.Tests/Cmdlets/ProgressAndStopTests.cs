using System.Management.Automation;
using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>
/// A server big enough that a backup and a restore take a while: progress records as the host receives them, and
/// PowerShell.Stop() (what Ctrl+C does) in the middle of each, which must leave nothing partial behind.
/// </summary>
public sealed class BigServer : IAsyncLifetime
{
    public RedisServer Source { get; private set; } = null!;
    public RedisServer Target { get; private set; } = null!;
    public const int Keys = 60_000;

    public async Task InitializeAsync()
    {
        Source = await RedisServer.StartAsync();
        Target = await RedisServer.StartAsync();
        // DEBUG POPULATE: 60,000 string keys of 512 bytes, made by the server itself.
        await using var c = await Source.ConnectAsync();
        await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", Keys.ToString(System.Globalization.CultureInfo.InvariantCulture), "key", "512");
    }

    public async Task DisposeAsync()
    {
        if (Source is not null) await Source.DisposeAsync();
        if (Target is not null) await Target.DisposeAsync();
    }
}

public sealed class ProgressAndStopTests(BigServer server) : IClassFixture<BigServer>, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _work = new();
    private string Catalog => _work.Combine("catalog");
    private Dictionary<string, object?> Vars => new() { ["src"] = server.Source.Port, ["dst"] = server.Target.Port, ["cat"] = Catalog };

    /// <summary>Every file in the catalog, hidden ones (.partial) included, but the journal (a stopped backup is recorded there as a failed attempt).</summary>
    private string[] AllFiles() => Directory.Exists(Catalog)
        ? Directory.GetFiles(Catalog).Select(f => Path.GetFileName(f)!).Where(n => n != ".redis-backup-journal.jsonl").Order(StringComparer.Ordinal).ToArray()
        : [];

    [Fact]
    public void A_backup_and_an_RDB_replay_report_progress_with_a_percentage()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var backup = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Kind Snapshot -Verbose", variables: Vars).AssertClean();
        Assert.Contains(backup.Verbose, v => v.Contains("taking the snapshot", StringComparison.Ordinal));
        Assert.Contains(backup.Progress, p => p.RecordType == ProgressRecordType.Completed);

        var restore = ps.Run("Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -HostName 127.0.0.1 -Port $dst -Confirm:$false -Replace", variables: Vars).AssertClean();
        var replay = restore.Progress.Where(p => p.Activity.StartsWith("Replaying RDB keys", StringComparison.Ordinal) && p.RecordType == ProgressRecordType.Processing).ToList();
        Assert.NotEmpty(replay);
        Assert.All(replay, p => Assert.InRange(p.PercentComplete, 0, 100)); // -1 would mean "no total"
        Assert.Contains(replay, p => p.StatusDescription.EndsWith($" of {BigServer.Keys} keys", StringComparison.Ordinal));
        Assert.Equal(BigServer.Keys, Assert.Single(restore.Objects<RestoreResult>()).Restored + Assert.Single(restore.Objects<RestoreResult>()).Skipped);
    }

    [Fact]
    public void Stop_in_the_middle_of_a_backup_leaves_no_partial_file()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Kind Snapshot | Out-Null", variables: Vars).AssertClean();
        var before = AllFiles();

        using var run = ps.Create("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat", variables: Vars);
        StopAtFirstProgress(run);
        Assert.Equal(PSInvocationState.Stopped, run.InvocationStateInfo.State);
        Assert.Equal(before, AllFiles()); // no .partial file, no new backup, the earlier backup untouched

        // The journal records the stop as a cancellation, not as an OperationCanceledException.
        var stats = Assert.Single(ps.Run("Get-RedisBackupStats -CatalogPath $cat", variables: Vars).AssertClean().Objects<CatalogStats>());
        Assert.Equal(("backup", "Cancelled"), (stats.LastFailure?.Operation, stats.LastFailure?.ErrorId));
        Assert.Equal(server.Source.Endpoint.ToString(), stats.LastFailure!.Source);
        Assert.DoesNotContain("OperationCanceledException", stats.LastFailure.Message, StringComparison.Ordinal);
        Assert.Contains(" backup cancelled: ", stats.LastFailure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_in_the_middle_of_a_restore_stops_writing_and_leaves_the_catalog_as_it_was()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat | Out-Null", variables: Vars).AssertClean();
        var before = AllFiles();
        await using (var c = await server.Target.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "FLUSHALL");

        using var run = ps.Create("Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -HostName 127.0.0.1 -Port $dst -Confirm:$false", variables: Vars);
        StopAtFirstProgress(run, activityPrefix: "Restoring keys");
        Assert.Equal(PSInvocationState.Stopped, run.InvocationStateInfo.State);
        await using (var c = await server.Target.ConnectAsync())
        {
            var written = (await c.ExecuteAsync(CancellationToken.None, "DBSIZE")).AsInt64();
            await Task.Delay(300);
            Assert.Equal(written, (await c.ExecuteAsync(CancellationToken.None, "DBSIZE")).AsInt64()); // nothing is written after the stop
            Assert.True(written < BigServer.Keys, $"the restore finished ({written} keys) before it could be stopped");
        }
        Assert.Equal(before, AllFiles());

        // The catalog's journal records the stopped restore as cancelled, with its target, and the stats view shows it.
        var run2 = ps.Run("Get-RedisBackupStats -CatalogPath $cat", variables: Vars).AssertClean();
        var restore = Assert.Single(run2.Objects<CatalogStats>()).LastRestoreFailure;
        Assert.NotNull(restore);
        Assert.Equal(("restore", "Cancelled", $"redis://127.0.0.1:{server.Target.Port}"), (restore.Operation, restore.ErrorId, restore.Target));
        var view = ps.Run("Get-RedisBackupStats -CatalogPath $cat | Out-String -Width 200", variables: Vars).AssertClean().Text;
        Assert.Matches(@"LastRestoreFailure\s+: \S+ \S+ restore cancelled: ", view);
    }

    /// <summary>Starts the run, calls Stop() when the first progress record (of the activity) arrives, and waits for the end.</summary>
    private static void StopAtFirstProgress(System.Management.Automation.PowerShell run, string activityPrefix = "")
    {
        using var started = new ManualResetEventSlim();
        run.Streams.Progress.DataAdded += (sender, e) =>
        {
            var record = ((PSDataCollection<ProgressRecord>)sender!)[e.Index];
            if (record.Activity.StartsWith(activityPrefix, StringComparison.Ordinal)) started.Set();
        };
        var async = run.BeginInvoke();
        Assert.True(started.Wait(Deadline), "no progress arrived");
        run.Stop();
        Assert.True(async.AsyncWaitHandle.WaitOne(Deadline), "the run did not stop");
    }

    public void Dispose() => _work.Dispose();
}
