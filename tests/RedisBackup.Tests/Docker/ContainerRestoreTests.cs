using System.Formats.Tar;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Docker;

[Collection(DockerTestGroup.Name)]
public sealed class ContainerRestoreTests : IDisposable
{
    private readonly DockerClient _docker = DockerClient.FromEnvironment();
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        _docker.Dispose();
        _temp.Dispose();
    }

    /// <summary>A populated source container's snapshot file, its digest and key count.</summary>
    private async Task<(string File, string Digest, long Keys)> BackupOfPopulatedServerAsync()
    {
        await using var source = await RedisContainer.StartAsync(_docker);
        var keys = await TestDataset.PopulateAsync(source.Endpoint);
        var digest = await source.DigestAsync();
        var file = _temp.Combine($"backup-{Guid.NewGuid():N}.rdb");
        await using (var output = File.Create(file))
            await ContainerSnapshotSource.DownloadAsync(_docker, source.Name, output, null, CancellationToken.None);
        return (file, digest, keys);
    }

    [DockerFact]
    public async Task Restore_into_a_container_gives_the_original_digest()
    {
        var (file, digest, keys) = await BackupOfPopulatedServerAsync();
        await using var target = await RedisContainer.StartAsync(_docker);
        await target.ExecuteAsync("SET", "old-data", "will be replaced");

        var prepared = await ContainerRestorer.PrepareAsync(_docker, target.Name, CancellationToken.None);
        var progress = new List<OperationProgress>();
        var result = await ContainerRestorer.RestoreAsync(_docker, prepared, file, keys, new SynchronousProgress<OperationProgress>(progress.Add), CancellationToken.None);

        Assert.Equal("container", result.Method);
        Assert.Equal("container:" + target.Name, result.Target);
        Assert.Equal(keys, result.Restored);
        Assert.Equal(keys, result.Total);
        Assert.True(result.Success);
        await target.WaitReadyAsync();
        Assert.Equal(digest, await target.DigestAsync());
        Assert.Equal(4, progress.Count(p => p.IsStep));
    }

    [DockerFact]
    public async Task Custom_dbfilename_is_where_the_file_goes_and_its_owner_is_kept()
    {
        var (file, digest, keys) = await BackupOfPopulatedServerAsync();
        // Redis runs as uid 999 and has written its own file there, owned by 999 with mode 0600.
        await using var target = await RedisContainer.StartAsync(_docker, ["--dir", "/data", "--dbfilename", "state.rdb"], body => body["User"] = "999:999");
        await target.ExecuteAsync("SET", "old", "1");
        await target.ExecuteAsync("SAVE");

        var prepared = await ContainerRestorer.PrepareAsync(_docker, target.Name, CancellationToken.None);
        Assert.Equal("/data/state.rdb", prepared.RdbPath);
        var result = await ContainerRestorer.RestoreAsync(_docker, prepared, file, keys, null, CancellationToken.None);

        Assert.Equal(keys, result.Restored);
        await target.WaitReadyAsync();
        Assert.Equal(digest, await target.DigestAsync());
        var archive = await _docker.GetArchiveAsync(target.Name, "/data/state.rdb");
        await using (archive)
        {
            var entry = (await new TarReader(archive.Tar).GetNextEntryAsync())!;
            Assert.Equal(999, entry.Uid);
            Assert.Equal(999, entry.Gid);
        }
    }

    [DockerFact]
    public async Task Append_only_target_is_refused_before_anything_changes()
    {
        await using var target = await RedisContainer.StartAsync(_docker, ["--appendonly", "yes"]);
        await target.ExecuteAsync("SET", "keep", "me");
        var digest = await target.DigestAsync();
        var before = await _docker.InspectContainerAsync(target.Name);

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => ContainerRestorer.PrepareAsync(_docker, target.Name, CancellationToken.None));

        Assert.Equal(ErrorKind.NotSupported, ex.Kind);
        Assert.Equal("AppendOnlyTarget", ex.ErrorId);
        Assert.Contains("appendonly yes", ex.Message);
        Assert.Contains("live restore", ex.Message); // the way out, named without either front's flags
        Assert.DoesNotContain("--", ex.Message, StringComparison.Ordinal);
        var after = await _docker.InspectContainerAsync(target.Name);
        Assert.True(after.Running);
        Assert.Equal(before.Id, after.Id);
        Assert.Equal(digest, await target.DigestAsync());
    }

    [DockerFact]
    public async Task Key_count_mismatch_is_never_reported_as_success()
    {
        var (file, _, keys) = await BackupOfPopulatedServerAsync();
        await using var target = await RedisContainer.StartAsync(_docker);
        var prepared = await ContainerRestorer.PrepareAsync(_docker, target.Name, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() =>
            ContainerRestorer.RestoreAsync(_docker, prepared, file, keys + 5, null, CancellationToken.None));

        Assert.Equal("RestoreKeyCountMismatch", ex.ErrorId);
        Assert.Contains($"{keys} keys", ex.Message);
        Assert.Contains($"{keys + 5}", ex.Message);
    }

    [DockerFact]
    public async Task A_file_redis_cannot_load_is_reported_with_the_log()
    {
        var bogus = _temp.Combine("bogus.rdb");
        await File.WriteAllTextAsync(bogus, "REDIS0011 this is not an rdb file");
        await using var target = await RedisContainer.StartAsync(_docker);
        var prepared = await ContainerRestorer.PrepareAsync(_docker, target.Name, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() =>
            ContainerRestorer.RestoreAsync(_docker, prepared, bogus, 1, null, CancellationToken.None));

        Assert.Equal("RestoreLoadFailed", ex.ErrorId);
        Assert.Contains(target.Name, ex.Message);
    }

    [DockerFact]
    public async Task Missing_and_stopped_containers_are_clear_errors()
    {
        var missing = await Assert.ThrowsAsync<RedisBackupException>(() => ContainerRestorer.PrepareAsync(_docker, "redisbackup-no-such-container", CancellationToken.None));
        Assert.Equal("ContainerNotFound", missing.ErrorId);

        await using var target = await RedisContainer.StartAsync(_docker);
        await _docker.StopContainerAsync(target.Name, TimeSpan.FromSeconds(5));
        var stopped = await Assert.ThrowsAsync<RedisBackupException>(() => ContainerRestorer.PrepareAsync(_docker, target.Name, CancellationToken.None));
        Assert.Equal("ContainerNotRunning", stopped.ErrorId);
    }

    [Fact]
    public void Plan_lists_each_step_with_the_target_path()
    {
        var target = new ContainerTarget { Container = "cache", DataDirectory = "/srv/redis/", DbFileName = "state.rdb" };
        var plan = ContainerRestorer.Plan(target, "/backups/x.rdb");
        Assert.Equal(4, plan.Count);
        Assert.StartsWith("Stop container 'cache'", plan[0]);
        Assert.Contains("/backups/x.rdb", plan[1]);
        Assert.Contains("/srv/redis/state.rdb", plan[1]);
        Assert.StartsWith("Start container 'cache'", plan[2]);
    }
}
