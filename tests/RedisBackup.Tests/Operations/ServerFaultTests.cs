using System.Globalization;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.Restore;
using Xunit.Abstractions;

namespace RedisBackup.Tests.Operations;

/// <summary>
/// Fault-matrix cases of issue 9 about the server, against real redis-server processes: the source SIGKILLed in the
/// middle of a key-level export (case 1) and of a replication SYNC, diskless and disk (case 2), and a restore into a
/// read-only replica (case 23). In each the tool must fail, say so, keep nothing that looks like a backup, and never
/// report success.
/// </summary>
public class ServerFaultTests(ITestOutputHelper output)
{
    /// <summary>A clock that runs an action at its n-th reading (the key-level scanner reads it once a SCAN batch).</summary>
    private sealed class AtReading(int reading, Action action) : TimeProvider
    {
        private int _calls;

        public override DateTimeOffset GetUtcNow()
        {
            if (Interlocked.Increment(ref _calls) - 1 == reading) action();
            return DateTimeOffset.UtcNow;
        }
    }

    private static async Task<string> InfoAsync(RedisServer server, string section)
    {
        await using var c = await server.ConnectAsync();
        return (await c.ExecuteAsync(CancellationToken.None, "INFO", section)).AsString() ?? "";
    }

    private static async Task<long> DbSizeAsync(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        return (await c.ExecuteAsync(CancellationToken.None, "DBSIZE")).AsInt64();
    }

    /// <summary>No backup listed, no file but the catalog's lock and journal, and the failure in the journal.</summary>
    private static void AssertNothingKeptAndJournaled(string dir, RedisBackupException ex)
    {
        var catalog = new BackupCatalog(dir);
        Assert.Empty(catalog.List());
        // Only the catalog's own lock and journal: no backup, no sidecar, no partial or temporary file.
        var left = Directory.EnumerateFiles(dir).Select(Path.GetFileName)
            .Where(n => n is not (".redis-backup.lock" or ".redis-backup-journal.jsonl")).ToList();
        Assert.Empty(left);
        Assert.Equal(ex.ErrorId, catalog.GetStats().LastFailure?.ErrorId);
    }

    [Fact(Timeout = 300_000)]
    public async Task A_source_SIGKILLed_mid_key_level_export_fails_the_run_keeps_no_file_and_is_journaled()
    {
        var source = await RedisServer.StartAsync();
        await using var _ = source;
        await using (var c = await source.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", 50_000, "key", 20);
        using var dir = new TempDirectory();
        var killed = false;
        var request = new BackupRequest
        {
            Endpoint = source.Endpoint, Directory = dir.Path,
            Clock = new AtReading(10, () => { source.Signal("KILL"); killed = true; }),
        };

        var ex = await Assert.ThrowsAnyAsync<RedisBackupException>(() => BackupOperation.RunAsync(request).WaitAsync(TimeSpan.FromMinutes(3)));

        Assert.True(killed, "the server was never killed: the export ended before its 10th SCAN batch");
        output.WriteLine($"{ex.ErrorId}: {ex.Message}");
        Assert.Equal(ErrorKind.ConnectionFailed, ex.Kind);
        AssertNothingKeptAndJournaled(dir.Path, ex);
    }

    /// <summary>
    /// The source is SIGKILLed while its fork writes the snapshot (<c>rdb_bgsave_in_progress:1</c>, slowed by
    /// <c>rdb-key-save-delay</c>): in the diskless form the RDB is streaming, in the disk form the tool waits for it.
    /// </summary>
    [Theory(Timeout = 300_000)]
    [InlineData("yes")]
    [InlineData("no")]
    public async Task A_source_SIGKILLed_mid_SYNC_fails_the_snapshot_keeps_no_file_and_is_journaled(string diskless)
    {
        var source = await RedisServer.StartAsync("--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0", "--rdb-key-save-delay", "200");
        await using var _ = source;
        await using (var c = await source.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", 20_000, "k", 64);
        using var dir = new TempDirectory();

        var run = BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path });
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!(await InfoAsync(source, "persistence")).Contains("rdb_bgsave_in_progress:1", StringComparison.Ordinal))
        {
            Assert.False(run.IsCompleted, "the snapshot ended before the server's fork was seen");
            Assert.True(DateTime.UtcNow < deadline, "the server never started the snapshot's fork");
            await Task.Delay(20);
        }
        source.Signal("KILL");

        var ex = await Assert.ThrowsAnyAsync<RedisBackupException>(() => run.WaitAsync(TimeSpan.FromMinutes(2)));

        output.WriteLine($"{ex.ErrorId}: {ex.Message}");
        Assert.Equal(ErrorKind.ConnectionFailed, ex.Kind);
        AssertNothingKeptAndJournaled(dir.Path, ex);
    }

    [Fact(Timeout = 300_000)]
    public async Task A_restore_into_a_read_only_replica_writes_nothing_and_is_not_a_success()
    {
        await using var primary = await RedisServer.StartAsync();
        await using var replica = await RedisServer.StartAsync("--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture));
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!(await InfoAsync(replica, "replication")).Contains("master_link_status:up", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the replica never linked to its primary");
            await Task.Delay(50);
        }
        using var dir = new TempDirectory();
        var path = ManyKeysFile.Write(dir.Combine("keys.jsonl.gz"), 1000);

        // Each write is refused with the replica's READONLY reply: the restore reports every key as failed, by name and
        // reason, and is not a success.
        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = path, Endpoint = replica.Endpoint }).WaitAsync(TimeSpan.FromMinutes(2));

        output.WriteLine($"restored {result.Restored}, failed {result.Failed}, first: {(result.Failures.Count > 0 ? result.Failures[0] : null)}");
        Assert.False(result.Success);
        Assert.Equal(0, result.Restored);
        Assert.Equal(1000, result.Failed);
        Assert.StartsWith("READONLY", result.Failures[0].Reason, StringComparison.Ordinal);
        Assert.Equal(0, await DbSizeAsync(replica));
        Assert.Equal(0, await DbSizeAsync(primary));
    }
}
