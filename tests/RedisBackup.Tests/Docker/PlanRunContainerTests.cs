using RedisBackup.Engine.Model;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.Operations;

namespace RedisBackup.Tests.Docker;

/// <summary>
/// Container backups and restores announce exactly the steps their dry-run plan lists, with the plan's numbers: the
/// snapshot's save and copy, the restore's verify, prepare, read, safety snapshot and the five swap steps.
/// </summary>
[Collection(DockerTestGroup.Name)]
public sealed class PlanRunContainerTests : IDisposable
{
    private readonly DockerClient _docker = DockerClient.FromEnvironment();
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        _docker.Dispose();
        _temp.Dispose();
    }

    [DockerFact]
    public async Task A_container_snapshot_and_a_container_restore_announce_their_planned_steps()
    {
        var catalog = _temp.Combine("catalog");
        await using var source = await RedisContainer.StartAsync(_docker);
        await TestDataset.PopulateAsync(source.Endpoint);
        var backupRequest = new BackupRequest { Kind = BackupKind.Snapshot, Container = source.Name, Directory = catalog, Compress = true, Keep = 5 };
        var backupPlan = BackupOperation.Prepare(backupRequest);
        Assert.Equal([PlanStepIds.ContainerSave, PlanStepIds.ContainerCopyOut, PlanStepIds.VerifyAndSave, PlanStepIds.Retention], backupPlan.Steps.Select(s => s.Id));
        var backupRun = new PlanRecorder();
        var backup = (await BackupOperation.RunAsync(backupRequest, backupRun)).Backup;
        backupRun.AssertFollowed(backupPlan);

        await using var target = await RedisContainer.StartAsync(_docker);
        await target.ExecuteAsync("SET", "before-restore", "1");
        var restoreRequest = new RestoreRequest { Path = backup.Path, Container = target.Name, SafetySnapshotDirectory = _temp.Combine("safety") };
        var restorePlan = RestoreOperation.Prepare(restoreRequest);
        Assert.Equal(
            [PlanStepIds.VerifyBackup, PlanStepIds.ContainerPrepare, PlanStepIds.ReadBackup, PlanStepIds.SafetySnapshot, PlanStepIds.ContainerStop,
             PlanStepIds.ContainerCopyIn, PlanStepIds.ContainerSwitch, PlanStepIds.ContainerStart, PlanStepIds.ContainerCheck],
            restorePlan.Steps.Select(s => s.Id));
        var restoreRun = new PlanRecorder();
        var result = await RestoreOperation.RunAsync(restoreRequest, restoreRun);
        Assert.True(result.Success);
        Assert.NotNull(result.SafetySnapshot);
        // The safety snapshot is a backup run of its own: its steps are detail lines of step 4, never a second numbering.
        restoreRun.AssertFollowed(restorePlan);
        await target.WaitReadyAsync();
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
    }

    [DockerFact]
    public async Task Steps_that_do_not_apply_to_a_stopped_container_are_reported_as_skipped_not_renumbered()
    {
        await using var source = await RedisContainer.StartAsync(_docker);
        await TestDataset.PopulateAsync(source.Endpoint);
        await source.ExecuteAsync("SAVE");
        await _docker.StopContainerAsync(source.Name, TimeSpan.FromSeconds(10));

        var request = new BackupRequest { Kind = BackupKind.Snapshot, Container = source.Name, Directory = _temp.Combine("catalog") };
        var plan = BackupOperation.Prepare(request);
        var run = new PlanRecorder();
        var backup = (await BackupOperation.RunAsync(request, run)).Backup;
        run.AssertFollowed(plan, PlanStepIds.ContainerSave);
        Assert.Contains(run.Reports, p => p.Skipped && p.Status.StartsWith("Step 1/3 skipped (container '" + source.Name + "' is stopped", StringComparison.Ordinal));

        // Restoring into the stopped container: its stop step does not apply either.
        var restore = new RestoreRequest { Path = backup.Path, Container = source.Name, SkipSafetySnapshot = true };
        var restorePlan = RestoreOperation.Prepare(restore);
        var restoreRun = new PlanRecorder();
        Assert.True((await RestoreOperation.RunAsync(restore, restoreRun)).Success);
        restoreRun.AssertFollowed(restorePlan, PlanStepIds.ContainerStop);
    }
}
