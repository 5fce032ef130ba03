using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Docker;

/// <summary>Container backups and restores through the operations the fronts call, into a real catalog.</summary>
[Collection(DockerTestGroup.Name)]
public sealed class OperationsEndToEndTests : IDisposable
{
    private readonly DockerClient _docker = DockerClient.FromEnvironment();
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        _docker.Dispose();
        _temp.Dispose();
    }

    private static int FilesIn(string dir) => Directory.Exists(dir) ? Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Length : 0;

    [DockerFact]
    public async Task Backup_plan_restore_and_undo_with_the_safety_snapshot()
    {
        var catalog = _temp.Combine("catalog");
        var safetyDir = _temp.Combine("safety");
        await using var source = await RedisContainer.StartAsync(_docker);
        var keys = await TestDataset.PopulateAsync(source.Endpoint);
        var sourceDigest = await source.DigestAsync();

        var outcome = await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Container = source.Name, Directory = catalog, Compress = true });
        var backup = outcome.Backup;
        Assert.Equal(BackupFormat.Rdb, backup.Format);
        Assert.True(backup.Compressed);
        Assert.Equal(keys, backup.KeyCount);
        Assert.Equal("container:" + source.Name, backup.Source);
        Assert.True(File.Exists(backup.Path));

        await using var target = await RedisContainer.StartAsync(_docker);
        await target.ExecuteAsync("SET", "before-restore", "1");
        await target.ExecuteAsync("HSET", "before-hash", "f", "v");
        var targetDigest = await target.DigestAsync();
        var request = new RestoreRequest { Path = backup.Path, Container = target.Name, SafetySnapshotDirectory = safetyDir };

        // -WhatIf: the plan names every step and changes nothing.
        var plan = RestoreOperation.Prepare(request).Texts;
        Assert.Contains(plan, s => s.Contains("safety snapshot", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(plan, s => s.StartsWith($"Stop container '{target.Name}'", StringComparison.Ordinal));
        Assert.Contains(plan, s => s.StartsWith($"Start container '{target.Name}'", StringComparison.Ordinal));
        Assert.Equal(targetDigest, await target.DigestAsync());
        Assert.Equal(0, FilesIn(safetyDir));
        Assert.True((await _docker.InspectContainerAsync(target.Name)).Running);

        var result = await RestoreOperation.RunAsync(request);

        Assert.Equal("container", result.Method);
        Assert.Equal(keys, result.Restored);
        Assert.True(result.Success);
        Assert.NotNull(result.SafetySnapshot);
        Assert.Equal(2, result.SafetySnapshot.KeyCount);
        Assert.True(File.Exists(result.SafetySnapshot.Path));
        await target.WaitReadyAsync();
        Assert.Equal(sourceDigest, await target.DigestAsync());

        // The safety snapshot puts the old data back.
        var undo = await RestoreOperation.RunAsync(new RestoreRequest { Path = result.SafetySnapshot.Path, Container = target.Name, SkipSafetySnapshot = true });
        Assert.Equal(2, undo.Restored);
        Assert.Null(undo.SafetySnapshot);
        await target.WaitReadyAsync();
        Assert.Equal(targetDigest, await target.DigestAsync());
    }

    [DockerFact]
    public async Task Restore_into_an_append_only_container_is_refused_before_the_safety_snapshot()
    {
        var catalog = _temp.Combine("catalog");
        var safetyDir = _temp.Combine("safety");
        await using var source = await RedisContainer.StartAsync(_docker);
        await source.ExecuteAsync("SET", "k", "v");
        var backup = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Container = source.Name, Directory = catalog })).Backup;
        Assert.False(backup.Compressed);
        Assert.Equal(1, backup.KeyCount);

        await using var target = await RedisContainer.StartAsync(_docker, ["--appendonly", "yes"]);
        await target.ExecuteAsync("SET", "aof-data", "stays");
        var digest = await target.DigestAsync();

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() =>
            RestoreOperation.RunAsync(new RestoreRequest { Path = backup.Path, Container = target.Name, SafetySnapshotDirectory = safetyDir }));

        Assert.Equal("AppendOnlyTarget", ex.ErrorId);
        Assert.Equal(0, FilesIn(safetyDir));
        Assert.True((await _docker.InspectContainerAsync(target.Name)).Running);
        Assert.Equal(digest, await target.DigestAsync());
    }

    [DockerFact]
    public async Task Backup_of_a_missing_container_fails_clearly_and_leaves_no_file()
    {
        var catalog = _temp.Combine("catalog");
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() =>
            BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Container = "redisbackup-no-such-container", Directory = catalog }));
        Assert.Equal("ContainerNotFound", ex.ErrorId);
        Assert.Empty(Directory.Exists(catalog) ? Directory.GetFiles(catalog, "*.rdb*", SearchOption.AllDirectories) : []);
    }
}
