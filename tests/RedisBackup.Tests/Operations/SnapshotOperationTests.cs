using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Operations;

/// <summary>Replication snapshots through the whole operation: source → temp file → verify → catalog → restore.</summary>
public class SnapshotOperationTests
{
    private static async Task Populate(RedisServer server, int keys)
    {
        await using var c = await server.ConnectAsync();
        await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", keys, "k", 64);
        await c.SelectAsync(2);
        await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", keys / 2, "d2", 16);
        await c.ExecuteAsync(CancellationToken.None, "PEXPIRE", "d2:1", 3_600_000);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Snapshot_is_verified_cataloged_and_restores_live(bool compress)
    {
        await using var source = await RedisServer.StartAsync("--repl-diskless-sync-delay", "0");
        await Populate(source, 5000);
        using var dir = new TempDirectory();

        var outcome = await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path, Compress = compress });
        var backup = outcome.Backup;
        Assert.Equal(BackupKind.Snapshot, backup.Kind);
        Assert.Equal(BackupFormat.Rdb, backup.Format);
        Assert.Equal(compress, backup.Compressed);
        Assert.Equal(7500, backup.KeyCount);
        Assert.Equal(VerificationState.Verified, backup.Verification);
        Assert.StartsWith("replication:", backup.Source, StringComparison.Ordinal);
        Assert.True(File.Exists(backup.Path));
        Assert.Equal(compress, backup.Name.EndsWith(".rdb.gz", StringComparison.Ordinal));

        // The record the backup returned is the one the catalog lists.
        var listed = Assert.Single(new BackupCatalog(dir.Path).List());
        Assert.Equal(backup.Path, listed.Path);
        Assert.Equal(backup.KeyCount, listed.KeyCount);

        await using var target = await RedisServer.StartAsync();
        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = listed.Path, Endpoint = target.Endpoint });
        Assert.Equal((7500L, 0L, 0L, 7500L), (result.Restored, result.Failed, result.Expired, result.Total));
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
    }

    [Fact]
    public async Task Plain_snapshot_loads_in_Redis_server_as_is()
    {
        await using var source = await RedisServer.StartAsync("--repl-diskless-sync-delay", "0");
        await Populate(source, 1000);
        using var dir = new TempDirectory();
        var backup = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path })).Backup;

        using var data = new TempDirectory();
        File.Copy(backup.Path, data.Combine("dump.rdb"));
        await using var loaded = await RedisServer.StartAsync("--dir", data.Path, "--dbfilename", "dump.rdb");
        Assert.Equal(await source.DigestAsync(), await loaded.DigestAsync());
    }

    [Fact]
    public async Task Cancelled_snapshot_leaves_no_file_and_records_the_failure()
    {
        await using var source = await RedisServer.StartAsync("--repl-diskless-sync-delay", "0", "--rdb-key-save-delay", "100");
        await Populate(source, 20_000);
        using var dir = new TempDirectory();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path }, null, cts.Token));
        var catalog = new BackupCatalog(dir.Path);
        Assert.Empty(catalog.List());
        Assert.DoesNotContain(Directory.EnumerateFiles(dir.Path), f => f.EndsWith(".rdb", StringComparison.Ordinal) || f.Contains(".partial", StringComparison.Ordinal));
        Assert.NotNull(catalog.GetStats().LastFailure);
    }

    [Fact]
    public async Task A_snapshot_that_fails_its_check_while_downloading_is_not_kept()
    {
        // A good snapshot of a real server, then two bad copies: one damaged near its start and followed by far more
        // data than the check buffers (the download must stop, not wait), one damaged at its end (the CRC64).
        await using var source = await RedisServer.StartAsync("--repl-diskless-sync-delay", "0", "--rdbcompression", "no");
        await using (var c = await source.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", 30_000, "k", 300);
        using var ms = new MemoryStream();
        await Engine.Redis.ReplicationSnapshot.DownloadAsync(source.Endpoint, ms, null, CancellationToken.None);
        var good = ms.ToArray();
        Assert.True(good.Length > 8 << 20);

        var earlyDamage = (byte[])good.Clone();
        earlyDamage[9] = 0xF0; // an opcode no RDB version has, right after the header
        var lateDamage = (byte[])good.Clone();
        lateDamage[^3] ^= 0x01;

        foreach (var (bad, where) in new[] { (earlyDamage, "start"), (lateDamage, "end") })
        {
            using var dir = new TempDirectory();
            var (port, serving) = ReplicationPeer.Start(s => ReplicationPeer.SendDiskless(s, bad));
            var ex = await Assert.ThrowsAsync<RedisBackupException>(() =>
                BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = new Engine.Redis.RedisEndpoint { Port = port }, Directory = dir.Path })
                    .WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.True(ex.ErrorId == "BackupVerificationFailed", $"damage at the {where}: {ex.ErrorId}: {ex.Message}");
            Assert.Equal(ErrorKind.InvalidData, ex.Kind);
            await serving.WaitAsync(TimeSpan.FromSeconds(30));
            var catalog = new BackupCatalog(dir.Path);
            Assert.Empty(catalog.List());
            Assert.DoesNotContain(Directory.EnumerateFiles(dir.Path), f => f.EndsWith(".rdb", StringComparison.Ordinal) || f.Contains(".partial", StringComparison.Ordinal));
            Assert.Equal("BackupVerificationFailed", catalog.GetStats().LastFailure?.ErrorId);
        }

        // The good bytes through the same peer make a backup whose sidecar hash is the hash of the file.
        using var okDir = new TempDirectory();
        var (okPort, okServing) = ReplicationPeer.Start(s => ReplicationPeer.SendDiskless(s, good));
        var backup = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = new Engine.Redis.RedisEndpoint { Port = okPort }, Directory = okDir.Path })).Backup;
        await okServing;
        Assert.Equal(good, await File.ReadAllBytesAsync(backup.Path));
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(good)).ToLowerInvariant(), backup.Sha256);
        Assert.Equal(30_000L, backup.KeyCount);
    }

    [Fact]
    public async Task Wrong_password_fails_clearly_and_leaves_nothing()
    {
        await using var source = await RedisServer.StartAsync("--requirepass", "right");
        using var dir = new TempDirectory();
        var ex = await Assert.ThrowsAsync<Engine.Redis.RedisServerException>(() =>
            BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint with { Password = "wrong" }, Directory = dir.Path }));
        Assert.Equal(ErrorKind.AuthenticationFailed, ex.Kind);
        var catalog = new BackupCatalog(dir.Path);
        Assert.Empty(catalog.List());
        var failure = catalog.GetStats().LastFailure;
        Assert.NotNull(failure);
        Assert.Equal("RedisAuthenticationFailed", failure.ErrorId);
    }

    [Fact]
    public async Task A_corrupt_snapshot_is_refused_before_restore_with_nothing_written()
    {
        await using var source = await RedisServer.StartAsync("--repl-diskless-sync-delay", "0");
        await Populate(source, 1000);
        using var dir = new TempDirectory();
        var backup = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path })).Backup;
        var bytes = await File.ReadAllBytesAsync(backup.Path);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(backup.Path, bytes);

        await using var target = await RedisServer.StartAsync();
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => RestoreOperation.RunAsync(new RestoreRequest { Path = backup.Path, Endpoint = target.Endpoint }));
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Equal("BackupVerificationFailed", ex.ErrorId);
        await using var c = await target.ConnectAsync();
        Assert.Equal(0, (await c.ExecuteAsync(CancellationToken.None, "DBSIZE")).AsInt64());
    }

    [Fact]
    public async Task Plan_describes_steps_and_changes_nothing()
    {
        using var dir = new TempDirectory();
        var steps = BackupOperation.Prepare(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = new() { Port = 1 }, Directory = dir.Combine("sub"), Keep = 3 }).Texts;
        Assert.Contains(steps, s => s.Contains("SYNC", StringComparison.Ordinal));
        Assert.Contains(steps, s => s.Contains("keep the newest 3", StringComparison.Ordinal));
        Assert.False(Directory.Exists(dir.Combine("sub")));
    }
}

public class RestorePreCheckTests
{
    [Fact]
    public async Task Our_verified_backup_is_checked_by_hash_and_a_foreign_copy_is_walked_fully()
    {
        await using var source = await RedisServer.StartAsync("--repl-diskless-sync-delay", "0");
        await using (var c = await source.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", 2000, "k", 32);
        using var dir = new TempDirectory();
        var backup = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path })).Backup;

        var quick = await VerifyOperation.CheckBeforeRestoreAsync(backup.Path);
        Assert.True(quick.IsValid);
        Assert.True(quick.ChecksumMatches);
        Assert.Equal(2000, quick.KeyCount);

        // A foreign copy (no sidecars) whose end was cut off: no recorded checksum to rely on, so the structure is walked.
        using var other = new TempDirectory();
        var bytes = await File.ReadAllBytesAsync(backup.Path);
        var foreign = other.Combine("dump.rdb");
        await File.WriteAllBytesAsync(foreign, bytes[..^20]);
        var full = await VerifyOperation.CheckBeforeRestoreAsync(foreign);
        Assert.False(full.IsValid);
        Assert.Null(full.ChecksumMatches);
        Assert.Contains(full.Problems, p => p.Contains("offset", StringComparison.Ordinal));

        // A recorded checksum that no longer matches refuses the restore before anything is written.
        bytes[^12] ^= 1;
        await File.WriteAllBytesAsync(backup.Path, bytes);
        var changed = await VerifyOperation.CheckBeforeRestoreAsync(backup.Path);
        Assert.False(changed.IsValid);
        Assert.False(changed.ChecksumMatches);
    }
}
