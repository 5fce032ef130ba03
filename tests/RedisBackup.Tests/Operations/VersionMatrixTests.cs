using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;
using RedisBackup.Tests.Rdb;

namespace RedisBackup.Tests.Operations;

/// <summary>
/// The version matrix, same version into same version: for each server build (Redis 7.0, 7.2, 7.4, Valkey 8.0), a
/// logical key-level backup, an exact backup and a replication snapshot (restored live) of every type, including streams
/// with consumer groups and pending entries, binary keys, several databases and TTLs, go through the operations the
/// fronts call into a fresh server of the same build, and are compared key by key (DEBUG DIGEST-VALUE, PTTL). On 7.4
/// the exact and RDB paths also keep hash field TTLs, compared field by field (HPEXPIRETIME); the logical path's field
/// TTLs are another part of the work (docs/compatibility.md), so its field-TTL hashes live in a database it leaves out.
/// </summary>
public class VersionMatrixTests
{
    private static readonly int[] Dbs = [0, 1, 5];
    private const int FieldTtlDb = 9;

    private static async Task<(RedisServer Server, bool FieldTtls)> SourceAsync(ServerVersion version)
    {
        var server = await RedisServer.StartAsync(version, "--repl-diskless-sync-delay", "0");
        await Dataset.FillAsync(server);
        await using var c = await server.ConnectAsync();
        var fieldTtls = await RdbTestSupport.PopulateFieldTtlsAsync(c, FieldTtlDb);
        Assert.Equal(version.Name == "redis-7.4", fieldTtls);
        return (server, fieldTtls);
    }

    private static async Task<long> KeysAsync(RedisServer server, IEnumerable<int> dbs)
    {
        long total = 0;
        foreach (var db in dbs) total += await ServerComparison.DbSizeAsync(server, db);
        return total;
    }

    [ServerTheory]
    [MemberData(nameof(ServerVersions.Names), MemberType = typeof(ServerVersions))]
    public async Task A_logical_backup_restores_into_the_same_version(string versionName)
    {
        var version = ServerVersions.Get(versionName);
        var (source, _) = await SourceAsync(version);
        await using var _source = source;
        using var dir = new TempDirectory();

        var backup = (await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path, Databases = Dbs })).Backup;
        Assert.Equal(await KeysAsync(source, Dbs), backup.KeyCount);
        AssertServerVersion(version, backup);

        await using var target = await RedisServer.StartAsync(version);
        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = backup.Path, Endpoint = target.Endpoint });
        Assert.Equal((backup.KeyCount!.Value, 0L, 0L, 0L), (result.Restored, result.Failed, result.Skipped, result.Expired));
        await ServerComparison.AssertIdenticalAsync(source, target, Dbs);
    }

    [ServerTheory]
    [MemberData(nameof(ServerVersions.Names), MemberType = typeof(ServerVersions))]
    public async Task An_exact_backup_restores_into_the_same_version(string versionName)
    {
        var version = ServerVersions.Get(versionName);
        var (source, fieldTtls) = await SourceAsync(version);
        await using var _source = source;
        int[] dbs = fieldTtls ? [.. Dbs, FieldTtlDb] : Dbs;
        using var dir = new TempDirectory();

        var backup = (await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path, Exact = true })).Backup;
        Assert.Equal(await KeysAsync(source, dbs), backup.KeyCount);
        AssertServerVersion(version, backup);

        await using var target = await RedisServer.StartAsync(version);
        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = backup.Path, Endpoint = target.Endpoint });
        Assert.Equal((backup.KeyCount!.Value, 0L, 0L, 0L), (result.Restored, result.Failed, result.Skipped, result.Expired));
        await ServerComparison.AssertIdenticalAsync(source, target, dbs);
        if (fieldTtls) await ServerComparison.AssertSameFieldTtlsAsync(source, target, FieldTtlDb);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
    }

    [ServerTheory]
    [MemberData(nameof(ServerVersions.Names), MemberType = typeof(ServerVersions))]
    public async Task A_replication_snapshot_restores_live_into_the_same_version(string versionName)
    {
        var version = ServerVersions.Get(versionName);
        var (source, fieldTtls) = await SourceAsync(version);
        await using var _source = source;
        int[] dbs = fieldTtls ? [.. Dbs, FieldTtlDb] : Dbs;
        using var dir = new TempDirectory();

        var backup = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path, Compress = true })).Backup;
        Assert.Equal(VerificationLevel.Full, backup.VerificationLevel);
        AssertServerVersion(version, backup);
        Assert.Equal(await KeysAsync(source, dbs), backup.KeyCount);
        Assert.True((await VerifyOperation.RunAsync(backup.Path, deep: true)).IsValid);

        await using var target = await RedisServer.StartAsync(version);
        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = backup.Path, Endpoint = target.Endpoint });
        Assert.Equal((backup.KeyCount!.Value, 0L, 0L, 0L), (result.Restored, result.Failed, result.Skipped, result.Expired));
        await ServerComparison.AssertIdenticalAsync(source, target, dbs);
        if (fieldTtls) await ServerComparison.AssertSameFieldTtlsAsync(source, target, FieldTtlDb);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
    }

    /// <summary>The backup names the server's own version: Valkey's, not the Redis compatibility version it also reports.</summary>
    private static void AssertServerVersion(ServerVersion version, BackupRecord backup)
        => Assert.StartsWith(version.IsValkey ? "8.0." : version.Name[6..] + ".", backup.ServerVersion, StringComparison.Ordinal);
}
