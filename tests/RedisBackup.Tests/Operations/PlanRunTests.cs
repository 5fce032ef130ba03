using RedisBackup.Engine.Model;
using System.Text.RegularExpressions;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Operations;

/// <summary>Collects a run's progress and checks it against a plan: every "Step n/total" line is a step of the plan, in order.</summary>
internal sealed partial class PlanRecorder : IProgress<OperationProgress>
{
    private readonly List<OperationProgress> _reports = [];

    public IReadOnlyList<OperationProgress> Reports
    {
        get { lock (_reports) return _reports.ToList(); }
    }

    public void Report(OperationProgress value)
    {
        lock (_reports) _reports.Add(value);
    }

    [GeneratedRegex(@"^Step (\d+)/(\d+)")]
    private static partial Regex StepLine();

    /// <summary>
    /// The run announced exactly the dry-run plan's steps, in order, with the plan's numbers and texts (a step that did
    /// not apply is reported as skipped, never left out or renumbered), and printed no other numbered step line.
    /// </summary>
    public void AssertFollowed(OperationPlan dryRun, params string[] skipped)
    {
        var steps = Reports.Where(p => p.IsStep).ToList();
        var planned = steps.Where(p => p.PlanStep is not null).ToList();
        Assert.Equal(dryRun.Steps.Select(s => (s.Number, s.Id, s.Text)), planned.Select(p => (p.PlanStep!.Number, p.PlanStep.Id, p.PlanStep.Text)));
        Assert.Equal(skipped.Order(StringComparer.Ordinal), planned.Where(p => p.Skipped).Select(p => p.PlanStep!.Id).Order(StringComparer.Ordinal));
        foreach (var p in planned)
        {
            var step = dryRun.Steps[p.PlanStep!.Number - 1];
            Assert.Equal(dryRun.Steps.Count, p.StepTotal);
            Assert.StartsWith(p.Skipped ? $"Step {step.Number}/{dryRun.Steps.Count} skipped (" : dryRun.Announce(step), p.Status, StringComparison.Ordinal);
            Assert.Contains(step.Text, p.Status, StringComparison.Ordinal);
        }
        // No numbered line outside the plan (a nested backup's own "Step 1/3", a part's "Step 1/2").
        foreach (var line in steps.Where(p => p.PlanStep is null).Select(p => p.Status))
            Assert.False(StepLine().IsMatch(line), $"a numbered step line outside the plan: {line}");
    }
}

/// <summary>
/// The plan a dry run shows is the plan a run executes: for each kind, the steps announced by a real run (its
/// progress, which -Verbose and the CLI print) equal the dry-run plan's steps in order and numbering.
/// </summary>
public class PlanRunTests
{
    [Fact]
    public async Task A_key_level_backup_with_retention_announces_the_planned_steps_and_removes_what_the_plan_listed()
    {
        await using var source = await RedisServer.StartAsync();
        await Dataset.FillAsync(source);
        using var dir = new TempDirectory();
        var request = new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path };
        var first = (await BackupOperation.RunAsync(request)).Backup;
        var second = (await BackupOperation.RunAsync(request)).Backup;
        var other = (await BackupOperation.RunAsync(request with { Databases = [1] })).Backup; // another series: never rotated by this one

        var dryRun = BackupOperation.Prepare(request with { Keep = 1 });
        Assert.Equal([PlanStepIds.ExportKeys, PlanStepIds.VerifyAndSave, PlanStepIds.Retention], dryRun.Steps.Select(s => s.Id));
        Assert.Equal([first.Path, second.Path], dryRun.RetentionWouldRemove.Select(b => b.Path));
        Assert.Equal(3, new BackupCatalog(dir.Path).List().Count); // preparing changed nothing

        var recorder = new PlanRecorder();
        var outcome = await BackupOperation.RunAsync(request with { Keep = 1 }, recorder);
        recorder.AssertFollowed(dryRun);
        Assert.Equal(dryRun.RetentionWouldRemove.Select(b => b.Path), outcome.Removed.Select(b => b.Path));
        Assert.True(File.Exists(other.Path));
    }

    [Fact]
    public async Task A_backup_without_retention_plans_none_and_lists_nothing()
    {
        await using var source = await RedisServer.StartAsync();
        using var dir = new TempDirectory();
        var plan = BackupOperation.Prepare(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path });
        Assert.Null(plan.FindStep(PlanStepIds.Retention));
        Assert.Empty(plan.RetentionWouldRemove);
        Assert.Equal("Step 2/2: " + plan.Steps[1].Text, plan.Announce(plan.Steps[1]));
    }

    [Fact]
    public async Task A_replication_snapshot_announces_the_planned_steps()
    {
        await using var source = await RedisServer.StartAsync("--repl-diskless-sync-delay", "0");
        await Dataset.FillAsync(source);
        using var dir = new TempDirectory();
        var request = new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path, Keep = 3 };
        var dryRun = BackupOperation.Prepare(request);
        Assert.Equal([PlanStepIds.ReplicationDownload, PlanStepIds.VerifyAndSave, PlanStepIds.Retention], dryRun.Steps.Select(s => s.Id));

        var recorder = new PlanRecorder();
        await BackupOperation.RunAsync(request, recorder);
        recorder.AssertFollowed(dryRun);
    }

    [Fact]
    public async Task A_live_restore_announces_the_planned_steps()
    {
        await using var source = await RedisServer.StartAsync();
        await Dataset.FillAsync(source);
        using var dir = new TempDirectory();
        var backup = (await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path })).Backup;
        await using var target = await RedisServer.StartAsync();
        var request = new RestoreRequest { Path = backup.Path, Endpoint = target.Endpoint };
        var dryRun = RestoreOperation.Prepare(request);
        Assert.Equal([PlanStepIds.VerifyBackup, PlanStepIds.WriteKeys], dryRun.Steps.Select(s => s.Id));

        var recorder = new PlanRecorder();
        await RestoreOperation.RunAsync(request, recorder);
        recorder.AssertFollowed(dryRun);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());

        var unverified = RestoreOperation.Prepare(request with { SkipVerify = true, Options = new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Replace } });
        Assert.Equal([(1, PlanStepIds.WriteKeys)], unverified.Steps.Select(s => (s.Number, s.Id)));
        var again = new PlanRecorder();
        await RestoreOperation.RunAsync(unverified, again);
        again.AssertFollowed(unverified);
    }

    [Fact]
    public async Task A_conversion_announces_the_planned_steps()
    {
        using var dir = new TempDirectory();
        var request = new ConvertRequest { Path = TestData.RedisAsset("encodings.rdb"), Directory = dir.Path };
        var dryRun = ConvertOperation.Prepare(request);
        var recorder = new PlanRecorder();
        await ConvertOperation.RunAsync(request, recorder);
        recorder.AssertFollowed(dryRun);
    }

    [Theory]
    [InlineData(true, null, null, null)]
    [InlineData(false, "user:*", null, null)]
    [InlineData(false, null, "hash", null)]
    [InlineData(false, null, null, 1)]
    public async Task Key_filters_on_a_snapshot_are_a_usage_error_not_ignored(bool exact, string? match, string? type, int? database)
    {
        // Before, an engine caller's Match on a snapshot was silently ignored (only the fronts refused it).
        using var dir = new TempDirectory();
        var request = new BackupRequest
        {
            Kind = BackupKind.Snapshot, Endpoint = new() { Port = 1 }, Directory = dir.Path,
            Exact = exact, Match = match, Types = type is null ? null : [type], Databases = database is null ? null : [database.Value],
        };
        var ex = Assert.Throws<RedisBackupException>(() => BackupOperation.Prepare(request));
        Assert.Equal((ErrorKind.InvalidArgument, ErrorIds.KeyOptionsNeedKeyLevel), (ex.Kind, ex.ErrorId));
        var run = await Assert.ThrowsAsync<RedisBackupException>(() => BackupOperation.RunAsync(request));
        Assert.Equal(ErrorIds.KeyOptionsNeedKeyLevel, run.ErrorId);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path)); // refused before anything was written
    }

    [Fact]
    public void Replace_and_flush_together_have_one_error_id()
    {
        var ex = Assert.Throws<RedisBackupException>(() => RestoreOperation.ExistingKeys(replace: true, flush: true));
        Assert.Equal(ErrorIds.ConflictingExistingKeyPolicy, ex.ErrorId);
        Assert.Equal(ExistingKeyPolicy.Flush, RestoreOperation.ExistingKeys(false, true));
        Assert.Equal(ExistingKeyPolicy.Replace, RestoreOperation.ExistingKeys(true, false));
        Assert.Equal(ExistingKeyPolicy.Skip, RestoreOperation.ExistingKeys(false, false));
    }

    [Fact]
    public void A_negative_database_is_refused_with_one_id_wherever_it_is_given()
    {
        using var dir = new TempDirectory();
        var file = TestData.RedisAsset("encodings.rdb");
        Assert.Equal(ErrorIds.InvalidDatabase, Assert.Throws<RedisBackupException>(() => BackupOperation.Check(new BackupRequest { Endpoint = new(), Databases = [0, -2] })).ErrorId);
        Assert.Equal(ErrorIds.InvalidDatabase, Assert.Throws<RedisBackupException>(() => RestoreOperation.Check(new RestoreRequest { Path = file, Endpoint = new(), Options = new RestoreOptions { TargetDatabase = -1 } })).ErrorId);
        Assert.Equal(ErrorIds.InvalidDatabase, Assert.Throws<RedisBackupException>(() => RestoreOperation.Check(new RestoreRequest { Path = file, Endpoint = new(), Options = new RestoreOptions { Databases = [-1] } })).ErrorId);
        Assert.Equal(ErrorIds.InvalidDatabase, Assert.Throws<RedisBackupException>(() => Engine.Redis.RedisEndpoint.Create(database: -3)).ErrorId);
    }
}
