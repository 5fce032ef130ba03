using System.Globalization;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.Restore;
using Xunit.Abstractions;

namespace RedisBackup.Tests.Operations;

/// <summary>
/// Fault-matrix cases of issue 9 about the server, against real redis-server processes: the source SIGKILLed in the
/// middle of a key-level export (case 1) and of a replication SYNC, diskless and disk (case 2), an unknown user
/// (case 15), a backup user without a command it needs or limited to a key pattern (case 16), and a restore into a
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
    public async Task An_unknown_user_is_an_authentication_failure_and_nothing_is_kept()
    {
        await using var source = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", 100, "k", 10);
        using var dir = new TempDirectory();

        var ex = await Assert.ThrowsAnyAsync<RedisBackupException>(() => BackupOperation.RunAsync(new BackupRequest
        {
            Endpoint = source.Endpoint with { User = "nobody-such", Password = "pw" }, Directory = dir.Path,
        }).WaitAsync(TimeSpan.FromMinutes(2)));

        output.WriteLine($"{ex.ErrorId}: {ex.Message}");
        Assert.Equal(ErrorKind.AuthenticationFailed, ex.Kind);
        AssertNothingKeptAndJournaled(dir.Path, ex);
    }

    /// <summary>
    /// A key-level backup user without SCAN, INFO or (for an exact backup) DUMP, or one whose keys are limited to a
    /// pattern, gets a permission error naming what is missing, and the run keeps nothing: a backup of only the keys
    /// the user may read would look complete.
    /// </summary>
    [Theory(Timeout = 300_000)]
    [InlineData("~* +@all -scan", false, "SCAN")]
    [InlineData("~* +@all -scan", true, "SCAN")]
    [InlineData("~* +@all -info", false, "INFO")]
    [InlineData("~* +@all -dump", true, "DUMP")]
    [InlineData("~user:* +@all", false, "NOPERM")]
    [InlineData("~user:* +@all", true, "NOPERM")]
    public async Task A_backup_user_without_a_command_or_key_it_needs_is_refused_clearly_and_nothing_is_kept(string rules, bool exact, string named)
    {
        await using var source = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync())
        {
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", 1000, "k", 10);
            await c.ExecuteAsync(CancellationToken.None, "SET", "user:1", "a");
            var args = new List<RedisArg> { "ACL", "SETUSER", "backup", "on", ">pw" };
            foreach (var rule in rules.Split(' ')) args.Add(rule);
            await c.ExecuteAsync(CancellationToken.None, [.. args]);
        }
        using var dir = new TempDirectory();

        var ex = await Assert.ThrowsAnyAsync<RedisBackupException>(() => BackupOperation.RunAsync(new BackupRequest
        {
            Endpoint = source.Endpoint with { User = "backup", Password = "pw" }, Directory = dir.Path, Exact = exact,
        }).WaitAsync(TimeSpan.FromMinutes(2)));

        output.WriteLine($"{ex.ErrorId}: {ex.Message}");
        Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        AssertNothingKeptAndJournaled(dir.Path, ex);
    }

    [Fact(Timeout = 300_000)]
    public async Task A_logical_backup_needs_no_DUMP()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync())
        {
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", 1000, "k", 10);
            await c.ExecuteAsync(CancellationToken.None, "ACL", "SETUSER", "backup", "on", ">pw", "~*", "+@all", "-dump");
        }
        using var dir = new TempDirectory();

        var outcome = await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint with { User = "backup", Password = "pw" }, Directory = dir.Path })
            .WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(1000, outcome.Backup.KeyCount);
        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Path = outcome.Backup.Path, Endpoint = target.Endpoint }).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(restored.Success);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
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
