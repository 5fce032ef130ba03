using System.Globalization;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Decode;

/// <summary>
/// The logical replay of a file the target cannot take as payloads (a Redis 7.4 RDB into Redis 7.0) keeps the live
/// restore's guarantees: every database known up front is checked before anything is flushed or written (and only the
/// databases the filter selects), and a stop part-way reports exactly the keys the target holds.
/// </summary>
public class ReplayGuardTests
{
    private const int UnrelatedKeys = 500;

    /// <summary>A Redis 7.4 snapshot (RDB 12) with keys in databases 0 and 17, copied into a catalog-style name.</summary>
    private static async Task<string> SnapshotAsync(TempDirectory dir, int keysInDb0)
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4", "--databases", "32");
        await using (var c = await source.ConnectAsync())
        {
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", keysInDb0.ToString(CultureInfo.InvariantCulture), "zero");
            await c.ExecuteAsync(CancellationToken.None, "HSET", "h", "f", "v");
            await c.SelectAsync(17);
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "100", "seventeen");
            await c.ExecuteAsync(CancellationToken.None, "SAVE");
        }
        var path = dir.Combine("redis-backup-20260101-000000.rdb");
        File.Copy(Path.Combine(source.Directory, "dump.rdb"), path);
        return path;
    }

    private static async Task<RedisServer> TargetAsync()
    {
        var target = await RedisServer.StartAsync(); // Redis 7.0: 16 databases, reads RDB 10
        await using var c = await target.ConnectAsync();
        await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", UnrelatedKeys.ToString(CultureInfo.InvariantCulture), "unrelated");
        return target;
    }

    /// <summary>
    /// A restore through the operation, within <paramref name="minutes"/> (a hang fails the test); <paramref name="ct"/>
    /// goes to the operation alone, so a cancellation ends in the operation's own exception.
    /// </summary>
    private static Task<RestoreResult> RestoreAsync(string path, RedisBackup.Engine.Redis.RedisEndpoint target, RestoreOptions options,
        IProgress<OperationProgress>? progress = null, int minutes = 2, CancellationToken ct = default)
        => RestoreOperation.RunAsync(new RestoreRequest { Path = path, Endpoint = target, Options = options }, progress, ct).WaitAsync(TimeSpan.FromMinutes(minutes), CancellationToken.None);

    [ServerFact("redis-7.4")]
    public async Task A_replayed_snapshot_is_checked_against_the_targets_databases_before_anything_and_the_filter_decides_which()
    {
        using var dir = new TempDirectory();
        var path = await SnapshotAsync(dir, 50);
        await using var target = await TargetAsync();
        var before = await target.DigestAsync();

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => RestoreAsync(path, target.Endpoint, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Flush }));
        Assert.Equal("DatabaseOutOfRange", ex.ErrorId);
        Assert.Contains("database 17", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was written", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, await target.DigestAsync());
        Assert.Equal(new Dictionary<int, long> { [0] = UnrelatedKeys }, await target.KeysPerDatabaseAsync());

        // Database 0 only: database 17 is left out, so it is not checked, and every key is replayed (7.0 reads RDB 10).
        var result = await RestoreAsync(path, target.Endpoint, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Flush, Databases = [0] });
        Assert.True(result.Success);
        Assert.Equal(51, result.Restored);
        Assert.Equal(51, result.Replayed);
        Assert.Equal(100, result.NotSelected);
        Assert.Equal(new Dictionary<int, long> { [0] = 51 }, await target.KeysPerDatabaseAsync());
    }

    [ServerFact("redis-7.4")]
    public async Task A_replay_stopped_part_way_reports_exactly_the_keys_the_target_holds()
    {
        const int keys = 200_000;
        using var dir = new TempDirectory();
        var path = await SnapshotAsync(dir, keys);
        await using var target = await RedisServer.StartAsync();
        using var cts = new CancellationTokenSource();
        var progress = new OnFirstCount(cts.Cancel);

        var ex = await Assert.ThrowsAsync<RestoreInterruptedException>(() => RestoreAsync(path, target.Endpoint, new RestoreOptions { Databases = [0] }, progress, minutes: 3, ct: cts.Token));

        Assert.True(ex.Cancelled);
        var partial = ex.Partial;
        Assert.False(partial.Complete);
        Assert.Equal(0, partial.Unconfirmed); // a clean stop reads every reply still due
        Assert.InRange(partial.Restored, 1, keys);
        Assert.Equal(await ServerComparison.DbSizeAsync(target, 0), partial.Restored);
        Assert.Equal(partial.Restored, partial.Replayed); // every key went as logical commands
        Assert.Contains($"Keys written so far: {partial.Restored.ToString("N0", CultureInfo.InvariantCulture)}", ex.Message, StringComparison.Ordinal);
    }

    [ServerFact("redis-7.4")]
    public async Task Without_INFO_the_payloads_go_as_they_are_and_a_snapshot_the_target_refuses_whole_is_named_too_new()
    {
        using var dir = new TempDirectory();
        var path = await SnapshotAsync(dir, 20);
        await using var target = await RedisServer.StartAsync();
        await using (var c = await target.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "ACL", "SETUSER", "restorer", "reset", "on", ">pw", "~*", "-@all", "+select", "+restore");
        var user = target.Endpoint with { User = "restorer", Password = "pw" };

        // The target's release is unknown, so nothing is decoded: Redis 7.0 refuses every RDB 12 payload, and the
        // error says why the keys were not replayed and what to grant.
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => RestoreAsync(path, user, new RestoreOptions { Databases = [0] }));
        Assert.Equal("RdbVersionTooNew", ex.ErrorId);
        Assert.Contains("RDB version 12", ex.Message, StringComparison.Ordinal);
        Assert.Contains("+info", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await ServerComparison.DbSizeAsync(target, 0));
    }

    private sealed class OnFirstCount(Action action) : IProgress<OperationProgress>
    {
        private int _done;

        public void Report(OperationProgress value)
        {
            if (value.IsStep || value.Done == 0 || value.Activity.StartsWith("Verifying", StringComparison.Ordinal)
                || value.Activity.StartsWith("Checking", StringComparison.Ordinal)) return;
            if (Interlocked.Exchange(ref _done, 1) == 0) action();
        }
    }
}
