using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;
using RedisBackup.Tests.Rdb;

namespace RedisBackup.Tests.Docker;

/// <summary>
/// The container rows of the version matrix (docs/compatibility.md), same version into same version: for each server
/// build (Redis 7.0, 7.2, 7.4, Valkey 8.0) a container of that build (an image made of its binaries) is filled with every
/// type, several databases and TTLs (on 7.4 also hashes with field TTLs), snapshotted through the container, and the
/// snapshot restored into a fresh container of the same build, which must then hold the same data: DEBUG DIGEST, and on
/// 7.4 HPEXPIRETIME of every hash field.
/// </summary>
[Collection(DockerTestGroup.Name)]
public sealed class ContainerVersionMatrixTests : IDisposable
{
    private const int FieldTtlDb = 9;
    private readonly DockerClient _docker = DockerClient.FromEnvironment();
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        _docker.Dispose();
        _temp.Dispose();
    }

    [DockerServerTheory]
    [MemberData(nameof(ServerVersions.Names), MemberType = typeof(ServerVersions))]
    public async Task A_container_snapshot_restores_into_a_container_of_the_same_version(string versionName)
    {
        var version = ServerVersions.Get(versionName);
        await using var source = await RedisContainer.StartAsync(_docker, version: version);
        await Dataset.FillAsync(source.Endpoint);
        bool fieldTtls;
        await using (var c = await source.ConnectAsync()) fieldTtls = await RdbTestSupport.PopulateFieldTtlsAsync(c, FieldTtlDb);
        Assert.Equal(version == ServerVersions.Redis74, fieldTtls);
        var digest = await source.DigestAsync();
        var keys = await TestDataset.CountKeysAsync(source.Endpoint);

        var backup = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Container = source.Name, Directory = _temp.Path })).Backup;

        Assert.Equal(VerificationLevel.Full, backup.VerificationLevel);
        Assert.Equal(keys, backup.KeyCount);
        Assert.StartsWith(version.IsValkey ? "8.0." : version.Name[6..] + ".", backup.ServerVersion, StringComparison.Ordinal);

        await using var target = await RedisContainer.StartAsync(_docker, version: version);
        await target.ExecuteAsync("SET", "replaced", "by the restore");
        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = backup.Path, Container = target.Name, SafetySnapshotDirectory = _temp.Combine("safety") });

        Assert.Equal("container", result.Method);
        Assert.Equal((keys, 0L), (result.Restored, result.Failed));
        Assert.NotNull(result.SafetySnapshot);
        await target.WaitReadyAsync();
        Assert.Equal(digest, await target.DigestAsync());
        if (fieldTtls) await AssertSameFieldTtlsAsync(source, target, FieldTtlDb);
    }

    /// <summary>
    /// A Valkey image built without the redis-* links (USE_REDIS_SYMLINKS=no) has only valkey-cli: the snapshot and the
    /// restore run it instead of redis-cli.
    /// </summary>
    [DockerServerTheory]
    [InlineData("valkey-8.0")]
    public async Task A_valkey_container_without_the_redis_names_is_snapshotted_and_restored_with_valkey_cli(string versionName)
    {
        var version = ServerVersions.Get(versionName);
        await using var source = await RedisContainer.StartAsync(_docker, version: version, redisNames: false);
        var missing = await _docker.ExecAsync(source.Name, ["redis-cli", "PING"]);
        Assert.True(missing.ExitCode is 126 or 127, $"redis-cli ran in the image without the redis names (exit code {missing.ExitCode})");
        var keys = await TestDataset.PopulateAsync(source.Endpoint);
        var digest = await source.DigestAsync();

        var backup = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Container = source.Name, Directory = _temp.Path })).Backup;
        Assert.Equal(keys, backup.KeyCount);
        Assert.StartsWith("8.0.", backup.ServerVersion, StringComparison.Ordinal);

        await using var target = await RedisContainer.StartAsync(_docker, version: version, redisNames: false);
        await target.ExecuteAsync("SET", "replaced", "by the restore");
        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = backup.Path, Container = target.Name, SafetySnapshotDirectory = _temp.Combine("safety") });

        Assert.Equal(keys, result.Restored);
        Assert.NotNull(result.Checked);
        await target.WaitReadyAsync();
        Assert.Equal(digest, await target.DigestAsync());
    }

    /// <summary>Every hash field's absolute expiry (HPEXPIRETIME; -1 for none) is the same in both containers.</summary>
    private static async Task AssertSameFieldTtlsAsync(RedisContainer expected, RedisContainer actual, int db)
    {
        await using var e = await expected.ConnectAsync();
        await using var a = await actual.ConnectAsync();
        await ServerComparison.AssertSameFieldTtlsAsync(e, a, db);
    }
}
