using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Rdb;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Docker;

[Collection(DockerTestGroup.Name)]
public sealed class ContainerSnapshotTests : IDisposable
{
    private readonly DockerClient _docker = DockerClient.FromEnvironment();
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        _docker.Dispose();
        _temp.Dispose();
    }

    /// <summary>Loads an RDB file into a fresh host redis-server and returns its digest and key count.</summary>
    internal static async Task<(string Digest, long Keys)> LoadOnHostAsync(string rdbFile)
    {
        var dir = Path.GetDirectoryName(rdbFile)!;
        await using var server = await RedisServer.StartAsync("--dir", dir, "--dbfilename", Path.GetFileName(rdbFile));
        await using var c = await server.ConnectAsync();
        var digest = (await c.ExecuteAsync(CancellationToken.None, "DEBUG", "DIGEST")).AsString()!;
        return (digest, await TestDataset.CountKeysAsync(server.Endpoint));
    }

    private async Task<(ContainerSnapshotInfo Info, string File, List<OperationProgress> Progress)> SnapshotAsync(string container, ContainerSnapshotOptions? options = null)
    {
        var file = _temp.Combine($"snap-{Guid.NewGuid():N}.rdb");
        var progress = new List<OperationProgress>();
        await using var output = File.Create(file);
        var info = await ContainerSnapshotSource.DownloadAsync(_docker, container, output, options ?? new ContainerSnapshotOptions(),
            new SynchronousProgress<OperationProgress>(progress.Add), CancellationToken.None);
        return (info, file, progress);
    }

    [DockerFact]
    public async Task Snapshot_of_a_populated_server_loads_back_with_the_same_data()
    {
        await using var redis = await RedisContainer.StartAsync(_docker);
        var written = await TestDataset.PopulateAsync(redis.Endpoint);
        var digest = await redis.DigestAsync();

        var (info, file, progress) = await SnapshotAsync(redis.Name);

        Assert.Equal("/data/dump.rdb", info.RdbPath);
        Assert.Equal(new FileInfo(file).Length, info.Bytes);
        Assert.StartsWith("7.", info.ServerVersion);
        Assert.Equal("REDIS"u8.ToArray(), File.ReadAllBytes(file)[..5]);
        await using (var rdb = File.OpenRead(file))
        {
            var summary = await RdbVerifier.VerifyAsync(rdb, deep: true);
            Assert.Equal(written, summary.Keys);
            Assert.Equal(new Dictionary<int, long> { [0] = written / 3, [2] = written / 3, [15] = written / 3 }, summary.KeysPerDatabase);
            Assert.Equal(3, summary.KeysWithExpiry);
        }
        var loaded = await LoadOnHostAsync(file);
        Assert.Equal(written, loaded.Keys);
        Assert.Equal(digest, loaded.Digest);
        Assert.Contains(progress, p => p.IsStep && p.Status.Contains("BGSAVE", StringComparison.Ordinal));
        Assert.Contains(progress, p => !p.IsStep && p.Bytes == info.Bytes && p.Total == info.Bytes);
    }

    [DockerFact]
    public async Task Custom_dir_and_dbfilename_are_honoured()
    {
        await using var redis = await RedisContainer.StartAsync(_docker, ["--dir", "/tmp", "--dbfilename", "custom-name.rdb"]);
        var written = await TestDataset.PopulateAsync(redis.Endpoint);

        var (info, file, _) = await SnapshotAsync(redis.Name);

        Assert.Equal("/tmp/custom-name.rdb", info.RdbPath);
        Assert.Equal(written, (await LoadOnHostAsync(file)).Keys);
    }

    [DockerFact]
    public async Task Password_from_the_command_line_is_used()
    {
        await using var redis = await RedisContainer.StartAsync(_docker, ["--requirepass", "s3cret"], password: "s3cret");
        await redis.ExecuteAsync("SET", "k", "v");

        var (_, file, _) = await SnapshotAsync(redis.Name);

        Assert.Equal(1, (await LoadOnHostAsync(file)).Keys);
    }

    [DockerFact]
    public async Task Save_already_in_progress_is_waited_for_then_a_fresh_save_is_taken()
    {
        await using var redis = await RedisContainer.StartAsync(_docker);
        var written = await TestDataset.PopulateAsync(redis.Endpoint);
        // ~100 keys x 20 ms: the other save runs for about 2 s.
        await redis.ExecuteAsync("CONFIG", "SET", "rdb-key-save-delay", "20000");
        var savesBefore = await SavesAsync(redis);
        Assert.Equal("Background saving started", (await redis.ExecuteAsync("BGSAVE")).AsString());
        await redis.ExecuteAsync("CONFIG", "SET", "rdb-key-save-delay", "0");
        await redis.ExecuteAsync("SET", "written-during-the-other-save", "1");

        var (_, file, _) = await SnapshotAsync(redis.Name);

        // Both saves ran, and ours came after the key written during the first one.
        Assert.Equal(savesBefore + 2, await SavesAsync(redis));
        Assert.Equal(written + 1, (await LoadOnHostAsync(file)).Keys);
    }

    private static async Task<long> SavesAsync(RedisContainer redis)
    {
        await using var c = await redis.ConnectAsync();
        return long.Parse((await c.InfoAsync("persistence"))["rdb_saves"], System.Globalization.CultureInfo.InvariantCulture);
    }

    [DockerFact]
    public async Task Failed_save_is_a_clear_error_and_nothing_is_copied()
    {
        // A read-only root file system: BGSAVE cannot write /data/temp-*.rdb.
        await using var redis = await RedisContainer.StartAsync(_docker, configure: p => p.HostConfig!.ReadonlyRootfs = true);
        await redis.ExecuteAsync("SET", "k", "v");

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => SnapshotAsync(redis.Name));

        Assert.Equal("BackgroundSaveFailed", ex.ErrorId);
        Assert.Contains(redis.Name, ex.Message);
        Assert.Contains("rdb_last_bgsave_status:err", ex.Message);
    }

    [DockerFact]
    public async Task Save_that_never_ends_times_out_with_a_clear_error()
    {
        await using var redis = await RedisContainer.StartAsync(_docker);
        await TestDataset.PopulateAsync(redis.Endpoint);
        await redis.ExecuteAsync("CONFIG", "SET", "rdb-key-save-delay", "1000000");

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => SnapshotAsync(redis.Name, new ContainerSnapshotOptions { SaveTimeout = TimeSpan.FromSeconds(3) }));

        Assert.Equal(ErrorKind.Timeout, ex.Kind);
        Assert.Equal("BackgroundSaveTimeout", ex.ErrorId);
    }

    /// <summary>
    /// Runs a container snapshot into a catalog, and while the container's BGSAVE runs (slowed to 0.1 s a key), runs
    /// <c>docker</c> with <paramref name="dockerArgs"/> and the container's name. The backup fails with an error of
    /// this tool, and the catalog keeps nothing but its lock and journal, which records the failure.
    /// </summary>
    private async Task<(RedisBackupException Error, string Container)> InterruptTheSaveAsync(params string[] dockerArgs)
    {
        await using var redis = await RedisContainer.StartAsync(_docker);
        await TestDataset.PopulateAsync(redis.Endpoint);
        await redis.ExecuteAsync("CONFIG", "SET", "rdb-key-save-delay", "100000");
        var catalog = _temp.Combine("catalog");

        var run = BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Container = redis.Name, Directory = catalog });
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!((await redis.ExecuteAsync("INFO", "persistence")).AsString() ?? "").Contains("rdb_bgsave_in_progress:1", StringComparison.Ordinal))
        {
            Assert.False(run.IsCompleted, "the backup ended before the BGSAVE was seen");
            Assert.True(DateTime.UtcNow < deadline, "the container never started a BGSAVE");
            await Task.Delay(50);
        }
        using (var docker = System.Diagnostics.Process.Start("docker", [.. dockerArgs, redis.Name])!)
        {
            await docker.WaitForExitAsync();
            Assert.Equal(0, docker.ExitCode);
        }

        var ex = await Assert.ThrowsAnyAsync<RedisBackupException>(() => run.WaitAsync(TimeSpan.FromMinutes(2)));

        Assert.NotEqual("UnexpectedError", ex.ErrorId);
        var left = Directory.EnumerateFiles(catalog).Select(Path.GetFileName)
            .Where(n => n is not (".redis-backup.lock" or ".redis-backup-journal.jsonl")).ToList();
        Assert.Empty(left);
        Assert.Equal(ex.ErrorId, new Engine.Catalog.BackupCatalog(catalog).GetStats().LastFailure?.ErrorId);
        return (ex, redis.Name);
    }

    /// <summary>Fault-matrix case 3 of issue 9: the container is killed while its BGSAVE runs.</summary>
    [DockerFact(Timeout = 300_000)]
    public async Task A_container_killed_during_its_BGSAVE_fails_the_backup_and_keeps_nothing()
        => await InterruptTheSaveAsync("kill");

    /// <summary>Fault-matrix case 9 of issue 9: the container is removed while a run is under way.</summary>
    [DockerFact(Timeout = 300_000)]
    public async Task A_container_removed_during_its_BGSAVE_fails_the_backup_and_keeps_nothing()
    {
        var (ex, container) = await InterruptTheSaveAsync("rm", "--force");
        Assert.Contains(container, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Fault-matrix case 3 of issue 9, the copy-out: the container is killed as the copy of its data file begins. The
    /// BGSAVE had finished, so the file is complete, and the archive API reads it from the stopped container: the
    /// backup is the data the container held, verified.
    /// </summary>
    [DockerFact(Timeout = 300_000)]
    public async Task A_container_killed_as_its_data_file_is_copied_out_still_gives_its_complete_data()
    {
        await using var redis = await RedisContainer.StartAsync(_docker);
        await TestDataset.PopulateAsync(redis.Endpoint);
        var digest = await redis.DigestAsync();
        var killed = false;
        var progress = new SynchronousProgress<OperationProgress>(p =>
        {
            if (killed || !p.IsStep || !p.Status.StartsWith("Step 2/", StringComparison.Ordinal)) return;
            killed = true;
            using var kill = System.Diagnostics.Process.Start("docker", ["kill", redis.Name])!;
            kill.WaitForExit();
        });

        var outcome = await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Container = redis.Name, Directory = _temp.Combine("catalog") },
            progress, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(killed, "the copy-out step was never announced");
        Assert.False(await redis.IsRunningAsync());
        Assert.True((await VerifyOperation.RunAsync(outcome.Backup.Path)).IsValid);
        Assert.Equal(digest, (await LoadOnHostAsync(outcome.Backup.Path)).Digest);
    }

    [DockerFact]
    public async Task Missing_container_is_a_clear_not_found_error()
    {
        using var output = new MemoryStream();
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() =>
            ContainerSnapshotSource.DownloadAsync(_docker, "redisbackup-no-such-container", output, null, CancellationToken.None));
        Assert.Equal(ErrorKind.NotFound, ex.Kind);
        Assert.Equal("ContainerNotFound", ex.ErrorId);
        Assert.Contains("'redisbackup-no-such-container'", ex.Message);
        Assert.Equal(0, output.Length);
    }

    [DockerFact]
    public async Task A_stopped_container_without_a_data_file_is_a_clear_not_running_error()
    {
        await using var redis = await RedisContainer.StartAsync(_docker);
        await _docker.StopContainerAsync(redis.Name, TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => SnapshotAsync(redis.Name));

        Assert.Equal("ContainerNotRunning", ex.ErrorId);
        Assert.Contains("not running", ex.Message);
        Assert.Contains("/data/dump.rdb", ex.Message);
    }

    [DockerFact]
    public async Task A_stopped_containers_snapshot_is_its_data_file_as_it_is()
    {
        await using var redis = await RedisContainer.StartAsync(_docker, ["--dbfilename", "state.rdb"]);
        await redis.ExecuteAsync("SET", "k", "v");
        await redis.SaveAsync();
        await _docker.StopContainerAsync(redis.Name, TimeSpan.FromSeconds(5));

        var (info, file, _) = await SnapshotAsync(redis.Name);

        Assert.True(info.FromStoppedContainer);
        Assert.Equal("/data/state.rdb", info.RdbPath);
        Assert.Equal(await redis.ReadFileAsync("/data/state.rdb"), await File.ReadAllBytesAsync(file));
    }
}

/// <summary>Calls the handler inline (Progress&lt;T&gt; posts to the thread pool, which makes assertions racy).</summary>
internal sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
