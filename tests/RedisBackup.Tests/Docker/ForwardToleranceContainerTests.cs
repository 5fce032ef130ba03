using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Rdb;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Docker;

/// <summary>
/// A container snapshot of a server newer than this version of RedisBackup is kept, and restores into a container of
/// that server: the server loads its own file, and the engine's checks before and after do not stand in the way.
/// </summary>
[Collection(DockerTestGroup.Name)]
public sealed class ForwardToleranceContainerTests : IDisposable
{
    private readonly DockerClient _docker = DockerClient.FromEnvironment();
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        _docker.Dispose();
        _temp.Dispose();
    }

    [DockerFact]
    public async Task A_partially_verified_snapshot_restores_into_a_container()
    {
        await using var source = await RedisContainer.StartAsync(_docker);
        var keys = await TestDataset.PopulateAsync(source.Endpoint);
        var digest = await source.DigestAsync();

        // A RedisBackup that knew formats up to Redis 6.2 (RDB 9) meets a Redis 7.0 server (RDB 10, listpack types).
        using var older = RdbFormatCatalog.SimulateOlderReader(9, 80);
        var backup = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Container = source.Name, Directory = _temp.Combine("catalog") })).Backup;
        Assert.Equal(VerificationLevel.Partial, backup.VerificationLevel);
        Assert.True(backup.KeyCount < keys, $"{backup.KeyCount} keys before the first unknown type, of {keys}");

        await using var target = await RedisContainer.StartAsync(_docker);
        await target.ExecuteAsync("SET", "old-data", "replaced");
        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = backup.Path, Container = target.Name, SkipSafetySnapshot = true });
        Assert.Equal("container", result.Method);
        Assert.Equal(keys, result.Restored);
        Assert.Equal(keys, result.Total);
        Assert.True(result.Success);
        await target.WaitReadyAsync();
        Assert.Equal(digest, await target.DigestAsync());
    }
}
