using System.Text.Json;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.Rdb;

namespace RedisBackup.Tests.Operations;

/// <summary>
/// A backup of a server newer than this version of RedisBackup: kept with a partial verification recorded in its
/// metadata, shown by list and verify (exit 0, or 1 with --strict), and restored live up to the part this version does
/// not know, where the restore stops with the counts.
/// </summary>
public class ForwardToleranceOperationTests
{
    /// <summary>A Redis 7.0-format file (so a 7.0 server takes its payloads) with a type-40 record between its keys.</summary>
    private static (byte[] File, long UnknownAt) FutureFile()
    {
        var b = new RdbBuilder("REDIS0010").Aux("redis-ver", "99.0.0").SelectDb(0)
            .Key(0, "a").Str("1")
            .Key(1, "list").Len(2).Str("x").Str("y")
            .SelectDb(2).Byte(0xFC).U64((ulong)DateTimeOffset.UtcNow.AddHours(3).ToUnixTimeMilliseconds()).Key(0, "c").Str("3");
        var at = b.Bytes().Length;
        b.Key(40, "future").Str("something new").SelectDb(0).Key(0, "d").Str("4");
        return (b.End(), at);
    }

    [Fact]
    public async Task Verify_exits_zero_and_says_what_it_checked_and_strict_makes_it_a_failure()
    {
        using var dir = new TempDirectory();
        var (bytes, at) = FutureFile();
        var path = dir.Combine("newer-server.rdb");
        await File.WriteAllBytesAsync(path, bytes);
        var expected = $"checksum OK; structure checked to byte {at}; type 40 at byte {at} is newer than this version of RedisBackup knows";

        var ok = await new CliRun().RunAsync("verify", path);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains(expected, ok.Stdout, StringComparison.Ordinal);
        Assert.Contains("--strict", ok.Stdout, StringComparison.Ordinal);

        var json = await new CliRun().RunAsync("verify", path, "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var doc = json.Json();
        Assert.True(doc.GetProperty("isValid").GetBoolean());
        Assert.Equal("partial", doc.GetProperty("level").GetString());
        Assert.Equal(expected, doc.GetProperty("note").GetString());
        Assert.Equal(3, doc.GetProperty("keyCount").GetInt64());
        Assert.Equal(expected, Assert.Single(doc.GetProperty("notChecked").EnumerateArray()).GetString());

        var strict = await new CliRun().RunAsync("verify", path, "--strict", "--json");
        Assert.True(strict.ExitCode == 1, strict.ToString());
        Assert.False(strict.Json().GetProperty("isValid").GetBoolean());
        Assert.Contains(strict.Json().GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains(expected, StringComparison.Ordinal));

        // Damage in the part the walk could not follow is still found by the CRC64 over the whole file.
        bytes[at + 5] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);
        var broken = await new CliRun().RunAsync("verify", path);
        Assert.True(broken.ExitCode == 1, broken.ToString());
        Assert.Contains("CRC64 over the whole file does not match", broken.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_live_restore_writes_every_key_up_to_the_unknown_part_and_stops_there_with_the_counts()
    {
        using var dir = new TempDirectory();
        var (bytes, at) = FutureFile();
        var path = dir.Combine("newer-server.rdb");
        await File.WriteAllBytesAsync(path, bytes);
        await using var target = await RedisServer.StartAsync();

        var stopped = await Assert.ThrowsAsync<RdbRestoreStoppedException>(() => RestoreOperation.RunAsync(new RestoreRequest { Path = path, Endpoint = target.Endpoint }));
        Assert.Equal("RdbRestoreStopped", stopped.ErrorId);
        Assert.Equal(at, stopped.Offset);
        Assert.Equal((3L, 3L, 0L), (stopped.Partial.Restored, stopped.Partial.Total, stopped.Partial.Failed));
        Assert.Contains($"Restored 3 of the 3 keys read from the snapshot up to byte {at}", stopped.Message, StringComparison.Ordinal);
        Assert.Contains($"type 40 at byte {at} is newer than this version of RedisBackup knows", stopped.Message, StringComparison.Ordinal);

        await using var c = await target.ConnectAsync();
        Assert.Equal("1", (await c.Run("GET", "a")).AsString());
        Assert.Equal(2, (await c.Run("LLEN", "list")).AsInt64());
        Assert.Equal(0, (await c.Run("EXISTS", "d")).AsInt64());
        await c.SelectAsync(2);
        Assert.Equal("3", (await c.Run("GET", "c")).AsString());
        Assert.InRange((await c.Run("PTTL", "c")).AsInt64(), 3_500_000, 10_800_000);
    }

    /// <summary>
    /// The stop at an unknown part is a stop part-way like any other (issue 9, item 11): a RestoreInterruptedException
    /// whose partial result (Complete false, the last key written) the CLI prints with --json and the journal keeps.
    /// </summary>
    [Fact]
    public async Task The_stop_at_an_unknown_part_carries_the_partial_result_into_the_JSON_output_and_the_journal()
    {
        using var dir = new TempDirectory();
        using (new BackupCatalog(dir.Path).AcquireLock()) { } // a catalog: restores of its backups are journalled
        var (bytes, at) = FutureFile();
        var path = dir.Combine("newer-server.rdb");
        await File.WriteAllBytesAsync(path, bytes);
        await using var target = await RedisServer.StartAsync();
        var endpoint = target.Endpoint with { Database = 3 };

        RestoreInterruptedException stopped = await Assert.ThrowsAsync<RdbRestoreStoppedException>(() => RestoreOperation.RunAsync(new RestoreRequest { Path = path, Endpoint = endpoint }));
        Assert.Equal("RdbRestoreStopped", stopped.ErrorId);
        Assert.False(stopped.Cancelled);
        var partial = stopped.Partial;
        Assert.False(partial.Complete);
        Assert.Equal((3L, 3L, 0L), (partial.Restored, partial.Total, partial.Unconfirmed));
        Assert.Equal(3, partial.Database);
        Assert.Equal($"redis://127.0.0.1:{target.Port}/3", partial.Target);
        Assert.Equal(path, partial.BackupPath);
        Assert.Equal(new KeyPosition(3, "c"), partial.LastWritten);
        Assert.Contains("Last key written: 'c' in database 3.", stopped.Message, StringComparison.Ordinal);
        Assert.Equal(3, await ServerComparison.DbSizeAsync(target, 3));

        var failure = new BackupCatalog(dir.Path).GetStats().LastRestoreFailure;
        Assert.NotNull(failure);
        Assert.Equal("RdbRestoreStopped", failure.ErrorId);
        Assert.Equal($"redis://127.0.0.1:{target.Port}/3", failure.Target);
        Assert.Contains($"Restored 3 of the 3 keys read from the snapshot up to byte {at}", failure.Message, StringComparison.Ordinal);

        await using (var c = await target.ConnectAsync()) await c.Run("FLUSHALL");
        var run = await new CliRun().RunAsync("restore", path, "--port", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        Assert.True(run.ExitCode == 1, run.ToString());
        var json = run.Json();
        Assert.Equal("RdbRestoreStopped", json.GetProperty("error").GetProperty("id").GetString());
        var result = json.GetProperty("result");
        Assert.False(result.GetProperty("complete").GetBoolean());
        Assert.Equal(3, result.GetProperty("restored").GetInt64());
        Assert.Equal("c", result.GetProperty("lastWritten").GetProperty("key").GetString());
        Assert.Contains($"up to byte {at}", run.Stderr, StringComparison.Ordinal);
    }

    [ServerFact("redis-7.4")]
    public async Task A_snapshot_of_a_newer_server_is_kept_with_its_level_listed_verified_and_restored_up_to_that_part()
    {
        await using var source = await RedisServer.StartAsync(ServerVersions.Redis74, "--repl-diskless-sync-delay", "0");
        await using (var c = await source.ConnectAsync())
        {
            for (var i = 0; i < 50; i++) await c.Run("SET", "k:" + i, i);
            await RdbTestSupport.PopulateFieldTtlsAsync(c);
        }
        using var dir = new TempDirectory();

        // A RedisBackup that knew formats up to Redis 7.2 backs up a Redis 7.4 server.
        using var older = RdbFormatCatalog.SimulateOlderReader(11, 80);
        var backup = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path })).Backup;
        Assert.Equal(VerificationState.Verified, backup.Verification);
        Assert.Equal(VerificationLevel.Partial, backup.VerificationLevel);
        Assert.Matches(@"^checksum OK; structure checked to byte \d+; type 2[45] at byte \d+ is newer than this version of RedisBackup knows$", backup.VerificationNote);
        using (var sidecar = JsonDocument.Parse(await File.ReadAllTextAsync(backup.Path + ".meta.json")))
        {
            Assert.Equal("partial", sidecar.RootElement.GetProperty("verificationLevel").GetString());
            Assert.Equal(backup.VerificationNote, sidecar.RootElement.GetProperty("verificationNote").GetString());
        }

        var listed = Assert.Single(new BackupCatalog(dir.Path).List());
        Assert.Equal(VerificationLevel.Partial, listed.VerificationLevel);
        var table = await new CliRun().RunAsync("list", "--dir", dir.Path);
        Assert.Contains("partial", table.Stdout, StringComparison.Ordinal);
        var listJson = await new CliRun().RunAsync("list", "--dir", dir.Path, "--json");
        Assert.Equal("partial", listJson.Json()[0].GetProperty("verificationLevel").GetString());

        var verified = await VerifyOperation.RunAsync(backup.Path);
        Assert.True(verified.IsValid);
        Assert.Equal(VerificationLevel.Partial, verified.Level);
        var strict = await VerifyOperation.RunAsync(backup.Path, deep: false, strict: true);
        Assert.False(strict.IsValid);
        Assert.Equal(VerificationLevel.Partial, new BackupCatalog(dir.Path).List().Single().VerificationLevel); // strict changes no record

        await using var target = await RedisServer.StartAsync(ServerVersions.Redis74);
        var stopped = await Assert.ThrowsAsync<RdbRestoreStoppedException>(() => RestoreOperation.RunAsync(new RestoreRequest { Path = backup.Path, Endpoint = target.Endpoint }));
        Assert.Equal(backup.KeyCount, stopped.Partial.Restored);
        Assert.Equal(backup.KeyCount, await ServerComparison.DbSizeAsync(target, 0));
        Assert.True(backup.KeyCount < 53);
    }
}
