using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Rdb;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Docker;

/// <summary>
/// A container restore that is cancelled or fails after the container was stopped: the previous data file goes back,
/// the container runs again with exactly its previous data (DEBUG DIGEST), and the error says which step was reached
/// and what was done (docs/reliability.md, "Container restores").
/// </summary>
[Collection(DockerTestGroup.Name)]
public sealed class ContainerRestoreFaultTests : IDisposable
{
    private const int Timeout = 300_000;
    private readonly DockerClient _docker = DockerClient.FromEnvironment();
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        _docker.Dispose();
        _temp.Dispose();
    }

    private string SafetyDir => _temp.Combine("safety");

    /// <summary>A running target holding the test dataset, and its digest.</summary>
    private async Task<(RedisContainer Target, string Digest)> PopulatedTargetAsync()
    {
        var target = await RedisContainer.StartAsync(_docker);
        await TestDataset.PopulateAsync(target.Endpoint);
        return (target, await target.DigestAsync());
    }

    /// <summary>Restores <paramref name="backup"/> into the target and cancels when <paramref name="trigger"/> first matches a progress report.</summary>
    /// <param name="after">When given, the cancellation comes that long after the match (a request then in flight), not at once.</param>
    private async Task<ContainerRestoreException> CancelAtAsync(RedisContainer target, string backup, Func<OperationProgress, bool> trigger, TimeSpan? after = null)
    {
        using var cts = new CancellationTokenSource();
        var fired = false;
        var progress = new SynchronousProgress<OperationProgress>(p =>
        {
            if (fired || !trigger(p)) return;
            fired = true;
            if (after is { } delay) cts.CancelAfter(delay);
            else cts.Cancel();
        });
        var request = new RestoreRequest { Path = backup, Container = target.Name, SafetySnapshotDirectory = SafetyDir };
        var ex = await Record.ExceptionAsync(() => RestoreOperation.RunAsync(request, progress, cts.Token));
        Assert.True(fired, "the cancellation point was never reached; the restore ended with: " + (ex?.ToString() ?? "success"));
        var failure = Assert.IsType<ContainerRestoreException>(ex);
        Assert.Equal("ContainerRestoreCancelled", failure.ErrorId);
        Assert.True(failure.Cancelled);
        Assert.True(failure.PreviousDataInPlace);
        Assert.True(failure.ContainerRunning);
        Assert.DoesNotContain("Nothing partial was kept", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"started again with its previous data", failure.Message, StringComparison.Ordinal);
        // The safety snapshot and the one command that puts it back, even into a stopped container.
        Assert.NotNull(failure.SafetySnapshotPath);
        Assert.True(File.Exists(failure.SafetySnapshotPath));
        Assert.Contains($"redis-backup restore '{failure.SafetySnapshotPath}' --container {target.Name} --no-safety-snapshot", failure.Message, StringComparison.Ordinal);
        return failure;
    }

    /// <summary>A container restore of <paramref name="backup"/> into <paramref name="target"/>, its safety snapshot in <see cref="SafetyDir"/>.</summary>
    private Task<RestoreResult> RestoreIntoAsync(string backup, RedisContainer target)
        => RestoreOperation.RunAsync(new RestoreRequest { Path = backup, Container = target.Name, SafetySnapshotDirectory = SafetyDir });

    /// <summary>SAVE, then a stop: the container is found stopped with its data file on disk.</summary>
    private async Task SaveAndStopAsync(RedisContainer target)
    {
        await target.SaveAsync();
        await _docker.StopContainerAsync(target.Name, TimeSpan.FromSeconds(10));
    }

    /// <summary>A refused restore changed nothing: the same container still runs with the same data, and no safety snapshot was taken.</summary>
    private async Task AssertNothingChangedAsync(RedisContainer target, string containerId, string digest)
    {
        var after = await _docker.InspectContainerAsync(target.Name);
        Assert.True(after.Running);
        Assert.Equal(containerId, after.Id);
        Assert.Equal(digest, await target.DigestAsync());
        Assert.False(Directory.Exists(SafetyDir) && Directory.EnumerateFiles(SafetyDir).Any(), "a safety snapshot was taken for a restore that was refused");
    }

    /// <summary>Running, with exactly the data it had, and no second copy of a dataset left in its data directory.</summary>
    private static async Task AssertIntactAsync(RedisContainer target, string digest)
    {
        Assert.True(await target.IsRunningAsync());
        await target.WaitReadyAsync();
        Assert.Equal(digest, await target.DigestAsync());
        foreach (var helper in new[] { "/data/dump.rdb" + DataFileSwap.IncomingSuffix, "/data/dump.rdb" + DataFileSwap.PreviousSuffix })
            Assert.True((await target.ReadFileAsync(helper) ?? []).Length == 0, $"{helper} still holds data");
    }

    [DockerFact(Timeout = Timeout)]
    public async Task Cancelled_during_the_copy_the_data_file_is_never_replaced_and_the_container_runs_again()
    {
        var (backup, _) = await ContainerBackupFiles.LargeAsync(_temp.Path);
        var (target, digest) = await PopulatedTargetAsync();
        await using var _ = target;

        // The first byte counter of the copy: some of the file is in the container, not all of it.
        var ex = await CancelAtAsync(target, backup, p => !p.IsStep && p.Status.StartsWith("copied ", StringComparison.Ordinal) && p.Done < p.Total);

        Assert.Equal(6, ex.Step); // the copy: verify, prepare, read, safety snapshot, stop, copy, switch, start, check
        Assert.False(ex.NewDataWasInPlace);
        Assert.Contains("cancelled at step 6/9 (copying", ex.Message, StringComparison.Ordinal);
        Assert.Contains("/data/dump.rdb was never replaced", ex.Message, StringComparison.Ordinal);
        await AssertIntactAsync(target, digest);
    }

    [DockerFact(Timeout = Timeout)]
    public async Task Cancelled_while_the_container_stops_it_is_started_again_with_its_data()
    {
        var (backup, _) = await ContainerBackupFiles.LargeAsync(_temp.Path, keys: 20_000);
        var (target, digest) = await PopulatedTargetAsync();
        await using var _ = target;

        // Cancelled as the stop is announced: the stop request runs (or is cut short) with the token cancelled.
        var ex = await CancelAtAsync(target, backup, p => p.IsStep && p.Status.StartsWith("Step 5/9", StringComparison.Ordinal));

        Assert.Equal(5, ex.Step); // the stop
        Assert.False(ex.NewDataWasInPlace);
        Assert.Contains("cancelled at step 5/9", ex.Message, StringComparison.Ordinal);
        await AssertIntactAsync(target, digest);
    }

    [DockerFact(Timeout = Timeout)]
    public async Task Cancelled_after_the_switch_before_the_start_the_previous_file_goes_back()
    {
        var (backup, _) = await ContainerBackupFiles.LargeAsync(_temp.Path, keys: 20_000);
        var (target, digest) = await PopulatedTargetAsync();
        await using var _ = target;

        var ex = await CancelAtAsync(target, backup, p => p.IsStep && p.Status.StartsWith("Step 8/9", StringComparison.Ordinal));

        Assert.Equal(8, ex.Step); // the start
        Assert.True(ex.NewDataWasInPlace);
        Assert.Contains("The new data had been put in place; the previous /data/dump.rdb was put back", ex.Message, StringComparison.Ordinal);
        await AssertIntactAsync(target, digest);
    }

    [DockerFact(Timeout = Timeout)]
    public async Task Cancelled_while_the_switch_or_start_request_is_in_flight_the_container_runs_its_previous_data()
    {
        // A request abandoned on cancellation can still be carried out by the engine afterwards: a late switch would put
        // the new file back under the live name, a late start would run the new data after the rollback's stop. Each
        // delay lands the cancellation at a different point of the request (or just after it).
        var (backup, _) = await ContainerBackupFiles.LargeAsync(_temp.Path, keys: 20_000);
        foreach (var (step, ms) in new[] { ("Step 7/9", 1), ("Step 7/9", 5), ("Step 8/9", 1), ("Step 8/9", 5), ("Step 8/9", 20) })
        {
            var (target, digest) = await PopulatedTargetAsync();
            await using var _ = target;
            var ex = await CancelAtAsync(target, backup, p => p.IsStep && p.Status.StartsWith(step, StringComparison.Ordinal), TimeSpan.FromMilliseconds(ms));
            Assert.True(ex.Step >= 7, $"{step} +{ms} ms: cancelled at step {ex.Step}");
            await Task.Delay(500); // a late request would have landed by now
            var failure = await Record.ExceptionAsync(() => AssertIntactAsync(target, digest));
            Assert.True(failure is null, $"cancelled {ms} ms after '{step}' (at step {ex.Step}): {failure?.Message}");
        }
    }

    [DockerFact(Timeout = Timeout)]
    public async Task Cancelled_while_the_switch_runs_the_previous_file_goes_back()
    {
        var (backup, _) = await ContainerBackupFiles.LargeAsync(_temp.Path, keys: 20_000);
        var (target, digest) = await PopulatedTargetAsync();
        await using var _ = target;

        var ex = await CancelAtAsync(target, backup, p => p.IsStep && p.Status.StartsWith("Step 7/9", StringComparison.Ordinal));

        Assert.Equal(7, ex.Step); // the switch
        await AssertIntactAsync(target, digest);
    }

    [DockerFact(Timeout = Timeout)]
    public async Task Cancelled_while_Redis_loads_the_new_data_the_previous_data_goes_back()
    {
        var (backup, _) = await ContainerBackupFiles.LargeAsync(_temp.Path);
        var (target, digest) = await PopulatedTargetAsync();
        await using var _ = target;

        var ex = await CancelAtAsync(target, backup, p => !p.IsStep && p.Status.StartsWith("waiting for Redis", StringComparison.Ordinal));

        Assert.Equal(8, ex.Step); // the start
        Assert.True(ex.NewDataWasInPlace);
        Assert.Contains("cancelled at step 8/9 (starting container", ex.Message, StringComparison.Ordinal);
        Assert.Contains("The new data had been put in place; the previous /data/dump.rdb was put back", ex.Message, StringComparison.Ordinal);
        await AssertIntactAsync(target, digest);
    }

    [DockerFact(Timeout = Timeout)]
    public async Task A_restore_that_runs_to_the_end_proves_the_data_and_leaves_no_second_copy()
    {
        var (backup, keys) = await ContainerBackupFiles.LargeAsync(_temp.Path, keys: 20_000);
        await using var target = await RedisContainer.StartAsync(_docker);
        await target.ExecuteAsync("SET", "old", "data");

        var result = await RestoreIntoAsync(backup, target);

        Assert.Equal(keys, result.Restored);
        Assert.NotNull(result.Checked);
        Assert.Contains("sampled keys", result.Checked, StringComparison.Ordinal);
        await target.WaitReadyAsync();
        Assert.Equal("large-backup", (await target.ExecuteAsync("GET", "marker")).AsString());
        Assert.Equal(0L, (await target.ExecuteAsync("EXISTS", "old")).AsInt64());
        foreach (var helper in new[] { "/data/dump.rdb" + DataFileSwap.IncomingSuffix, "/data/dump.rdb" + DataFileSwap.PreviousSuffix })
            Assert.Empty(await target.ReadFileAsync(helper) ?? []);
    }

    /// <summary>
    /// A target whose AOF holds as many keys as the backup, with other values: a restore that only compares counts
    /// reports success while the server loaded its AOF.
    /// </summary>
    private async Task AssertAppendOnlyAtStartIsRefusedAsync(RedisContainer target, string expectedSource)
    {
        var backup = await ContainerBackupFiles.SmallAsync(_temp.Path, ServerVersions.Redis70);
        for (var i = 0; i < 50; i++) await target.ExecuteAsync("SET", $"k{i}", $"aof value {i}");
        await target.ExecuteAsync("HSET", "h", "f", "aof");
        await target.ExecuteAsync("CONFIG", "SET", "appendonly", "no");
        var digest = await target.DigestAsync();
        var before = await _docker.InspectContainerAsync(target.Name);

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() =>
            RestoreIntoAsync(backup, target));

        Assert.Equal("AppendOnlyTarget", ex.ErrorId);
        Assert.Contains("starts Redis with appendonly yes", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expectedSource, ex.Message, StringComparison.Ordinal);
        Assert.Contains("CONFIG SET does not survive the restart", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", ex.Message, StringComparison.Ordinal);
        await AssertNothingChangedAsync(target, before.Id, digest);
    }

    [DockerFact(Timeout = Timeout)]
    public async Task A_container_started_with_appendonly_yes_and_switched_off_at_runtime_is_refused()
    {
        await using var target = await RedisContainer.StartAsync(_docker, ["--appendonly", "yes"]);
        await AssertAppendOnlyAtStartIsRefusedAsync(target, "--appendonly yes");
    }

    [DockerFact(Timeout = Timeout)]
    public async Task A_container_whose_config_file_turns_appendonly_on_is_refused_whatever_its_runtime_value()
    {
        await using var target = await RedisContainer.StartAsync(_docker, configFile: "# the AOF\nappendonly \"yes\"\nappenddirname aof\n");
        await AssertAppendOnlyAtStartIsRefusedAsync(target, "/etc/redis.conf");
    }

    [DockerFact(Timeout = Timeout)]
    public async Task An_RDB_11_file_is_refused_by_a_Redis_7_0_container_before_it_is_stopped()
    {
        var rdb11 = await ContainerBackupFiles.SmallAsync(_temp.Path, ServerVersions.Redis72);
        var (target, digest) = await PopulatedTargetAsync();
        await using var _ = target;
        var before = await _docker.InspectContainerAsync(target.Name);

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() =>
            RestoreIntoAsync(rdb11, target));

        Assert.Equal("RdbVersionTooNew", ex.ErrorId);
        Assert.Contains("RDB version 11", ex.Message, StringComparison.Ordinal);
        Assert.Contains("reads RDB versions up to 10", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", ex.Message, StringComparison.Ordinal);
        await AssertNothingChangedAsync(target, before.Id, digest);
    }

    [DockerFact(Timeout = Timeout)]
    public async Task A_file_a_stopped_container_cannot_load_is_taken_out_again_and_the_container_left_as_it_was()
    {
        // The server version of a stopped container is unknown, so the file gets in; Redis 7.0 refuses RDB 11 on start.
        var rdb11 = await ContainerBackupFiles.SmallAsync(_temp.Path, ServerVersions.Redis72);
        var (target, digest) = await PopulatedTargetAsync();
        await using var _ = target;
        await SaveAndStopAsync(target);
        var original = await target.ReadFileAsync("/data/dump.rdb");

        var ex = await Assert.ThrowsAsync<ContainerRestoreException>(() =>
            RestoreIntoAsync(rdb11, target));

        Assert.Equal("RestoreLoadFailed", ex.ErrorId);
        Assert.Equal(8, ex.Step); // the start
        Assert.True(ex.PreviousDataInPlace);
        Assert.False(ex.ContainerRunning);
        Assert.Contains("Can't handle RDB format version 11", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the previous /data/dump.rdb was put back; container", ex.Message, StringComparison.Ordinal);
        Assert.Contains("left stopped, as it was found", ex.Message, StringComparison.Ordinal);
        Assert.False(await target.IsRunningAsync());
        Assert.Equal(original, await target.ReadFileAsync("/data/dump.rdb"));
        await _docker.StartContainerAsync(target.Name);
        await target.WaitReadyAsync();
        Assert.Equal(digest, await target.DigestAsync());
    }

    [DockerFact(Timeout = Timeout)]
    public async Task The_safety_snapshot_goes_back_into_a_stopped_container_whose_data_file_is_broken()
    {
        var (target, digest) = await PopulatedTargetAsync();
        await using var _ = target;
        var safety = (await BackupOperation.RunAsync(new BackupRequest { Kind = Engine.Model.BackupKind.Snapshot, Container = target.Name, Directory = SafetyDir, Compress = true, Label = "pre-restore" })).Backup;
        // What a killed copy used to leave: a truncated dump.rdb; Redis refuses to start on it.
        await _docker.StopContainerAsync(target.Name, TimeSpan.FromSeconds(10));
        var saved = (await target.ReadFileAsync("/data/dump.rdb"))!;
        await target.WriteFileAsync("/data/dump.rdb", saved[..(saved.Length / 2)]);
        await _docker.StartContainerAsync(target.Name);
        for (var i = 0; i < 50 && await target.IsRunningAsync(); i++) await Task.Delay(100);
        Assert.False(await target.IsRunningAsync());

        // The documented command: the safety snapshot, into the stopped container, without another snapshot of the broken file.
        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = safety.Path, Container = target.Name, SkipSafetySnapshot = true });

        Assert.Equal(safety.KeyCount, result.Restored);
        await target.WaitReadyAsync();
        Assert.Equal(digest, await target.DigestAsync());
    }

    [DockerFact(Timeout = Timeout)]
    public async Task A_stopped_container_gets_a_safety_snapshot_of_its_data_file_and_runs_with_the_new_data()
    {
        var (backup, keys) = await ContainerBackupFiles.LargeAsync(_temp.Path, keys: 1_000);
        var (target, digest) = await PopulatedTargetAsync();
        await using var _ = target;
        await SaveAndStopAsync(target);

        var result = await RestoreIntoAsync(backup, target);

        Assert.Equal(keys, result.Restored);
        Assert.NotNull(result.SafetySnapshot);
        Assert.True(await target.IsRunningAsync());
        await target.WaitReadyAsync();
        Assert.Equal("large-backup", (await target.ExecuteAsync("GET", "marker")).AsString());

        // ...and the safety snapshot puts the previous data back.
        var undo = await RestoreOperation.RunAsync(new RestoreRequest { Path = result.SafetySnapshot.Path, Container = target.Name, SkipSafetySnapshot = true });
        Assert.Equal(result.SafetySnapshot.KeyCount, undo.Restored);
        await target.WaitReadyAsync();
        Assert.Equal(digest, await target.DigestAsync());
    }

    [DockerFact(Timeout = Timeout)]
    public async Task A_stopped_container_whose_data_file_is_broken_needs_the_explicit_no_safety_snapshot()
    {
        var (backup, _) = await ContainerBackupFiles.LargeAsync(_temp.Path, keys: 100);
        await using var target = await RedisContainer.StartAsync(_docker);
        await target.ExecuteAsync("SET", "k", "v");
        await SaveAndStopAsync(target);
        var saved = (await target.ReadFileAsync("/data/dump.rdb"))!;
        await target.WriteFileAsync("/data/dump.rdb", saved[..(saved.Length - 5)]);

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() =>
            RestoreIntoAsync(backup, target));

        Assert.Contains("safety snapshot of stopped container", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--no-safety-snapshot", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(saved[..(saved.Length - 5)], await target.ReadFileAsync("/data/dump.rdb"));
    }

    [DockerFact(Timeout = Timeout)]
    public async Task A_data_file_an_interrupted_restore_kept_is_copied_into_the_catalog_before_it_is_reused()
    {
        var (backup, _) = await ContainerBackupFiles.LargeAsync(_temp.Path, keys: 100);
        var (target, digest) = await PopulatedTargetAsync();
        await using var _ = target;
        await target.SaveAsync();
        // What a restore killed after the switch leaves: the previous data under the kept name.
        var saved = (await target.ReadFileAsync("/data/dump.rdb"))!;
        await target.WriteFileAsync("/data/dump.rdb" + DataFileSwap.PreviousSuffix, saved);

        var result = await RestoreIntoAsync(backup, target);

        Assert.NotNull(result.InterruptedRestoreCopy);
        Assert.Contains("interrupted-restore", result.InterruptedRestoreCopy.Name, StringComparison.Ordinal);
        await using (var undoTarget = await RedisContainer.StartAsync(_docker))
        {
            await RestoreOperation.RunAsync(new RestoreRequest { Path = result.InterruptedRestoreCopy.Path, Container = undoTarget.Name, SkipSafetySnapshot = true });
            await undoTarget.WaitReadyAsync();
            Assert.Equal(digest, await undoTarget.DigestAsync());
        }
    }

    [DockerFact(Timeout = Timeout)]
    public async Task A_compressed_backup_streams_into_the_container_without_a_plain_copy_anywhere()
    {
        var (plain, keys) = await ContainerBackupFiles.LargeAsync(_temp.Path, keys: 100_000);
        var gz = ContainerBackupFiles.Gzip(plain);
        File.Delete(plain);
        await using var target = await RedisContainer.StartAsync(_docker);
        var tempDir = Path.GetTempPath();
        static string[] PlainRdbs(string dir) => Directory.GetFiles(dir, "*.rdb", SearchOption.TopDirectoryOnly);
        var before = PlainRdbs(tempDir).ToHashSet();
        var seen = new HashSet<string>();
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var f in PlainRdbs(tempDir)) if (!before.Contains(f)) seen.Add(f);
                foreach (var f in Directory.GetFiles(_temp.Path, "*.rdb", SearchOption.AllDirectories)) seen.Add(f);
                await Task.Delay(20);
            }
        });

        var result = await RestoreIntoAsync(gz, target);
        stop.Cancel();
        await watcher;

        Assert.Equal(keys, result.Restored);
        Assert.Empty(seen);
        await target.WaitReadyAsync();
        Assert.Equal("large-backup", (await target.ExecuteAsync("GET", "marker")).AsString());
    }

    [DockerFact(Timeout = Timeout)]
    public async Task The_check_after_the_restart_catches_data_that_is_not_the_backups()
    {
        // Two datasets with the same number of keys per database: a count alone cannot tell them apart.
        var backupFile = _temp.Combine("b.rdb");
        await using (var source = await RedisContainer.StartAsync(_docker))
        {
            for (var i = 0; i < 40; i++) await source.ExecuteAsync("SET", $"key:{i}", $"backup value {i}");
            await using var output = File.Create(backupFile);
            await ContainerSnapshotSource.DownloadAsync(_docker, source.Name, output, null, CancellationToken.None);
        }
        var evidence = await RestoreEvidence.ReadAsync(new RdbSource(backupFile, false), null, null, "", CancellationToken.None);
        await using var other = await RedisContainer.StartAsync(_docker);
        for (var i = 0; i < 40; i++) await other.ExecuteAsync("SET", $"key:{i}", $"other value {i}");
        var info = await _docker.InspectContainerAsync(other.Name);

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => LoadedDataCheck.RunAsync(ContainerRedisCli.For(_docker, info), evidence, CancellationToken.None));
        Assert.Equal("RestoreDataMismatch", ex.ErrorId);
        Assert.Contains("different value", ex.Message, StringComparison.Ordinal);

        await other.ExecuteAsync("DEL", "key:3");
        var count = await Assert.ThrowsAsync<RedisBackupException>(() => LoadedDataCheck.RunAsync(ContainerRedisCli.For(_docker, info), evidence, CancellationToken.None));
        Assert.Equal("RestoreKeyCountMismatch", count.ErrorId);

        for (var i = 0; i < 40; i++) await other.ExecuteAsync("SET", $"key:{i}", $"backup value {i}");
        var loaded = await LoadedDataCheck.RunAsync(ContainerRedisCli.For(_docker, info), evidence, CancellationToken.None);
        Assert.Equal(40, loaded.Keys);
        Assert.Contains("12 sampled keys", loaded.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_empty_dataset_written_when_there_was_no_data_file_is_a_valid_RDB()
    {
        var summary = await RdbVerifier.VerifyAsync(new MemoryStream(DataFileSwap.EmptyRdb()));
        Assert.Equal(0, summary.Keys);
        Assert.Equal(6, summary.Version);
        Assert.True(summary.ChecksumPresent);
    }
}
