using System.Formats.Tar;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Rdb;
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
        var result = await ContainerRestorer.RestoreAsync(_docker, prepared, new RdbSource(file, false), new SynchronousProgress<OperationProgress>(progress.Add), CancellationToken.None);

        Assert.Equal("container", result.Method);
        Assert.Equal("container:" + target.Name, result.Target);
        Assert.Equal(keys, result.Restored);
        Assert.Equal(keys, result.Total);
        Assert.True(result.Success);
        await target.WaitReadyAsync();
        Assert.Equal(digest, await target.DigestAsync());
        Assert.Equal(ContainerRestorer.Steps, progress.Count(p => p.IsStep && p.Status.StartsWith("Step ", StringComparison.Ordinal)));
    }

    [DockerFact]
    public async Task Custom_dbfilename_is_where_the_file_goes_and_its_owner_is_kept()
    {
        var (file, digest, keys) = await BackupOfPopulatedServerAsync();
        // Redis runs as uid 999 and has written its own file there, owned by 999 with mode 0600.
        await using var target = await RedisContainer.StartAsync(_docker, ["--dir", "/data", "--dbfilename", "state.rdb"], p => p.User = "999:999");
        await target.ExecuteAsync("SET", "old", "1");
        await target.ExecuteAsync("SAVE");

        var prepared = await ContainerRestorer.PrepareAsync(_docker, target.Name, CancellationToken.None);
        Assert.Equal("/data/state.rdb", prepared.RdbPath);
        var result = await ContainerRestorer.RestoreAsync(_docker, prepared, new RdbSource(file, false), null, CancellationToken.None);

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
    public async Task A_data_directory_changed_at_runtime_is_refused_because_a_restart_loads_the_other_one()
    {
        await using var target = await RedisContainer.StartAsync(_docker, ["--enable-protected-configs", "yes"]);
        await target.ExecuteAsync("CONFIG", "SET", "dir", "/tmp");

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => ContainerRestorer.PrepareAsync(_docker, target.Name, CancellationToken.None));

        Assert.Equal("ContainerConfigChanged", ex.ErrorId);
        Assert.Contains("/tmp/dump.rdb", ex.Message, StringComparison.Ordinal);
        Assert.Contains("/data/dump.rdb", ex.Message, StringComparison.Ordinal);
        Assert.True(await target.IsRunningAsync());
    }

    [DockerFact]
    public async Task The_port_and_password_in_a_config_file_reach_redis_cli_inside_the_container()
    {
        // The port only in the config file: redis-cli inside the container must use it (the harness publishes 7000).
        await using var target = await RedisContainer.StartAsync(_docker, configFile: "port 7000\nrequirepass pw1\n", password: "pw1", containerPort: 7000);
        var refused = await Assert.ThrowsAsync<RedisBackupException>(() => ContainerRestorer.PrepareAsync(_docker, target.Name, CancellationToken.None));
        Assert.Equal("RedisAuthenticationFailed", refused.ErrorId);

        var prepared = await ContainerRestorer.PrepareAsync(_docker, target.Name, new ContainerCredentials { Password = "pw1" }, CancellationToken.None);
        Assert.Equal(7000, prepared.Port);
        Assert.Contains("/etc/redis.conf", prepared.SettingsSource, StringComparison.Ordinal);
        await using var output = new MemoryStream();
        var snapshot = await ContainerSnapshotSource.DownloadAsync(_docker, target.Name, output, new ContainerSnapshotOptions { Credentials = new ContainerCredentials { Password = "pw1" } }, null, CancellationToken.None);
        Assert.True(snapshot.Bytes > 0);
    }

    [DockerFact]
    public async Task A_file_that_is_not_an_rdb_is_refused_before_the_container_is_stopped()
    {
        var bogus = _temp.Combine("bogus.rdb");
        await File.WriteAllTextAsync(bogus, "REDIS0011 this is not an rdb file");
        await using var target = await RedisContainer.StartAsync(_docker);
        var before = await _docker.InspectContainerAsync(target.Name);
        var prepared = await ContainerRestorer.PrepareAsync(_docker, target.Name, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<RdbFormatException>(() =>
            ContainerRestorer.RestoreAsync(_docker, prepared, new RdbSource(bogus, false), null, CancellationToken.None));

        Assert.Equal("RdbCorrupt", ex.ErrorId);
        var after = await _docker.InspectContainerAsync(target.Name);
        Assert.True(after.Running);
        Assert.Equal(before.Id, after.Id);
    }

    [DockerFact]
    public async Task Missing_containers_are_clear_errors_and_stopped_ones_are_read_from_their_start_up_settings()
    {
        var missing = await Assert.ThrowsAsync<RedisBackupException>(() => ContainerRestorer.PrepareAsync(_docker, "redisbackup-no-such-container", CancellationToken.None));
        Assert.Equal("ContainerNotFound", missing.ErrorId);

        await using var target = await RedisContainer.StartAsync(_docker, ["--dbfilename", "state.rdb"]);
        await _docker.StopContainerAsync(target.Name, TimeSpan.FromSeconds(5));
        var stopped = await ContainerRestorer.PrepareAsync(_docker, target.Name, CancellationToken.None);
        Assert.False(stopped.Running);
        Assert.Equal("/data/state.rdb", stopped.RdbPath);
        Assert.Contains("command line", stopped.SettingsSource, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_lists_each_step_with_the_target_path()
    {
        // The container steps of a restore have one source: RestoreOperation.Prepare (ContainerRestorer.Plan is gone).
        var file = TestData.RedisAsset("encodings.rdb");
        var plan = RestoreOperation.Prepare(new RestoreRequest { Path = file, Container = "cache" });
        var name = Path.GetFileName(file);
        Assert.Equal(Enumerable.Range(1, plan.Steps.Count), plan.Steps.Select(s => s.Number));
        var swap = plan.Steps.SkipWhile(s => s.Id != PlanStepIds.ContainerStop).Select(s => s.Text).ToList();
        Assert.Equal(ContainerRestorer.Steps, swap.Count);
        Assert.StartsWith("Stop container 'cache'", swap[0]);
        Assert.Contains(name, swap[1]);
        Assert.Contains(".redis-backup-incoming", swap[1]);
        Assert.Contains(".redis-backup-previous", swap[2]);
        Assert.StartsWith("Start container 'cache'", swap[3]);
    }
}
