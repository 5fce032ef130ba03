using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Restore;

/// <summary>
/// A restore into a database the target does not have must never write anywhere (issue 9, item 1): no write may be
/// pipelined behind a SELECT whose reply was not checked, and every database known before writing is checked first.
/// </summary>
public class TargetDatabaseTests
{
    private const int UnrelatedKeys = 5000;

    /// <summary>A source with 32 databases: 300 keys in database 5 (when asked), then 512 in database 17.</summary>
    private static async Task<RedisServer> SourceAsync(bool withDb5)
    {
        var source = await RedisServer.StartAsync("--databases", "32");
        await using var c = await source.ConnectAsync();
        if (withDb5)
        {
            await c.SelectAsync(5);
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "300", "five");
        }
        await c.SelectAsync(17);
        await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "512", "seventeen");
        return source;
    }

    /// <summary>A 16-database target holding unrelated keys in database 0 (the database a connection starts in).</summary>
    private static async Task<RedisServer> TargetAsync(params string[] args)
    {
        var target = await RedisServer.StartAsync(args);
        await using var c = await target.ConnectAsync();
        await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", UnrelatedKeys.ToString(System.Globalization.CultureInfo.InvariantCulture), "unrelated");
        return target;
    }

    private static async Task AssertUntouchedAsync(RedisServer target, string digestBefore)
    {
        Assert.Equal(digestBefore, await target.DigestAsync());
        Assert.Equal(new Dictionary<int, long> { [0] = UnrelatedKeys }, await target.KeysPerDatabaseAsync());
    }

    /// <summary>
    /// The start most tests share: <see cref="SourceAsync"/> exported to a key-level file, a <see cref="TargetAsync"/>
    /// and the target's digest before anything runs. Disposing it stops both servers and removes the file.
    /// </summary>
    private sealed class Scene : IAsyncDisposable
    {
        private readonly TempDirectory _dir = new();

        public RedisServer Source { get; private set; } = null!;
        public RedisServer Target { get; private set; } = null!;
        public string Path => _dir.Combine("k.jsonl.gz");
        public string Before { get; private set; } = "";

        public static async Task<Scene> StartAsync(bool withDb5, params string[] targetArgs)
        {
            var scene = new Scene();
            try
            {
                scene.Source = await SourceAsync(withDb5);
                scene.Target = await TargetAsync(targetArgs);
                await KeyFiles.ExportAsync(scene.Source, scene.Path);
                scene.Before = await scene.Target.DigestAsync();
                return scene;
            }
            catch
            {
                await scene.DisposeAsync();
                throw;
            }
        }

        /// <summary>The target holds exactly what it held before: its digest and its keyspace (the unrelated keys alone).</summary>
        public Task AssertUntouchedAsync() => TargetDatabaseTests.AssertUntouchedAsync(Target, Before);

        public async ValueTask DisposeAsync()
        {
            if (Target is not null) await Target.DisposeAsync();
            if (Source is not null) await Source.DisposeAsync();
            _dir.Dispose();
        }
    }

    /// <summary>The refusal a restore through the operation ends with (within two minutes: a hang fails the test).</summary>
    private static Task<RedisBackupException> RefusedAsync(string path, RedisBackup.Engine.Redis.RedisEndpoint target, int? targetDatabase = null, bool skipVerify = false)
        => Assert.ThrowsAsync<RedisBackupException>(() => RestoreOperation.RunAsync(new RestoreRequest
        {
            Path = path,
            Endpoint = target,
            SkipVerify = skipVerify,
            Options = new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Flush, TargetDatabase = targetDatabase },
        }).WaitAsync(TimeSpan.FromMinutes(2)));

    [Fact]
    public async Task A_verified_backup_holding_a_database_the_target_lacks_is_refused_before_anything_is_flushed_or_written()
    {
        await using var scene = await Scene.StartAsync(withDb5: true);

        var ex = await RefusedAsync(scene.Path, scene.Target.Endpoint);
        Assert.Equal("DatabaseOutOfRange", ex.ErrorId);
        Assert.Equal(ErrorKind.NotSupported, ex.Kind);
        Assert.Contains("database 17", ex.Message, StringComparison.Ordinal);
        Assert.Contains("16 databases", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was written", ex.Message, StringComparison.Ordinal);
        await scene.AssertUntouchedAsync();
    }

    [Fact]
    public async Task A_sealed_backup_on_the_fast_path_is_refused_up_front_too()
    {
        await using var source = await SourceAsync(withDb5: true);
        await using var target = await TargetAsync();
        using var dir = new TempDirectory();
        var backup = (await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path })).Backup;
        Assert.True(VerifyOperation.HasTrustedSidecar(backup.Path)); // the databases come from the sealed sidecar, not a walk
        var before = await target.DigestAsync();

        var ex = await RefusedAsync(backup.Path, target.Endpoint);
        Assert.Equal("DatabaseOutOfRange", ex.ErrorId);
        Assert.Contains("Nothing was written", ex.Message, StringComparison.Ordinal);
        await AssertUntouchedAsync(target, before);
    }

    [Fact]
    public async Task Without_verification_the_keys_of_a_missing_database_never_land_in_the_database_selected_before()
    {
        await using var scene = await Scene.StartAsync(withDb5: true);

        var ex = await Assert.ThrowsAnyAsync<RedisBackupException>(() => KeyFiles.RestoreAsync(scene.Path, scene.Target.Endpoint).WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Equal("DatabaseOutOfRange", ex.ErrorId);
        Assert.Contains("database 17", ex.Message, StringComparison.Ordinal);
        // Database 5 is the backup's and was written; not one key of database 17 went anywhere.
        Assert.Equal(new Dictionary<int, long> { [0] = UnrelatedKeys, [5] = 300 }, await scene.Target.KeysPerDatabaseAsync());
    }

    [Fact]
    public async Task Without_verification_a_flush_restore_of_a_missing_database_empties_nothing()
    {
        await using var scene = await Scene.StartAsync(withDb5: false);

        var ex = await Assert.ThrowsAnyAsync<RedisBackupException>(() =>
            KeyFiles.RestoreAsync(scene.Path, scene.Target.Endpoint, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Flush }).WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Equal("DatabaseOutOfRange", ex.ErrorId);
        await scene.AssertUntouchedAsync();
    }

    [Fact]
    public async Task A_target_database_out_of_range_is_a_usage_error_and_nothing_is_flushed()
    {
        await using var scene = await Scene.StartAsync(withDb5: true);

        foreach (var verify in new[] { true, false })
        {
            var ex = await RefusedAsync(scene.Path, scene.Target.Endpoint, targetDatabase: 20, skipVerify: !verify);
            Assert.Equal("DatabaseOutOfRange", ex.ErrorId);
            Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
            Assert.Contains("Database 20", ex.Message, StringComparison.Ordinal);
            Assert.Contains("16 databases", ex.Message, StringComparison.Ordinal);
        }
        await scene.AssertUntouchedAsync();
    }

    [Fact]
    public async Task A_seed_service_file_into_a_target_database_the_server_lacks_is_refused_and_into_a_URI_database_lands_there()
    {
        await using var target = await TargetAsync();
        using var dir = new TempDirectory();
        var path = dir.Combine("redis_backup_20231205_143022.json");
        await File.WriteAllTextAsync(path, "{\"timestamp\": \"20231205_143022\", \"created_at\": \"2023-12-05T14:30:22.123456\", \"data\": {"
            + "\"greeting\": {\"type\": \"string\", \"value\": \"hello\", \"ttl\": null}, \"tags\": {\"type\": \"set\", \"value\": [\"a\", \"b\"], \"ttl\": null}}}");
        var before = await target.DigestAsync();

        var ex = await RefusedAsync(path, target.Endpoint, targetDatabase: 16);
        Assert.Equal("DatabaseOutOfRange", ex.ErrorId);
        await AssertUntouchedAsync(target, before);

        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = path, Endpoint = target.Endpoint with { Database = 15 } });
        Assert.Equal((2L, 15), (result.Restored, result.Database));
        Assert.Equal(new Dictionary<int, long> { [0] = UnrelatedKeys, [15] = 2 }, await target.KeysPerDatabaseAsync());
    }

    [Fact]
    public async Task When_CONFIG_is_renamed_a_SELECT_round_trip_still_refuses_before_writing()
    {
        await using var scene = await Scene.StartAsync(withDb5: true, "--rename-command", "CONFIG", "");
        var (target, path) = (scene.Target, scene.Path);

        // Known up front (the target database; the verified backup's databases): refused with nothing written.
        var toDb = await Assert.ThrowsAsync<RedisBackupException>(() =>
            KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Flush, TargetDatabase = 20 }).WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Equal("DatabaseOutOfRange", toDb.ErrorId);
        Assert.Contains("SELECT 20", toDb.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was written", toDb.Message, StringComparison.Ordinal);
        var verified = await RefusedAsync(path, target.Endpoint);
        Assert.Equal("DatabaseOutOfRange", verified.ErrorId);
        await scene.AssertUntouchedAsync();

        // Met while reading: the awaited SELECT stops the writes of database 17 from landing in database 5.
        var ex = await Assert.ThrowsAnyAsync<RedisBackupException>(() => KeyFiles.RestoreAsync(path, target.Endpoint).WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Equal("DatabaseOutOfRange", ex.ErrorId);
        Assert.Equal(new Dictionary<int, long> { [0] = UnrelatedKeys, [5] = 300 }, await target.KeysPerDatabaseAsync());
    }

    [Fact]
    public async Task An_RDB_replay_of_a_database_the_target_lacks_writes_and_flushes_nothing()
    {
        await using var source = await SourceAsync(withDb5: true);
        await using var target = await TargetAsync();
        await KeyFiles.RunAsync(source, 0, "SAVE");
        var rdb = Path.Combine(source.Directory, "dump.rdb");
        var before = await target.DigestAsync();

        // Verified first: refused before anything is written.
        var verified = await RefusedAsync(rdb, target.Endpoint);
        Assert.Equal("DatabaseOutOfRange", verified.ErrorId);
        Assert.Contains("database 17", verified.Message, StringComparison.Ordinal);
        await AssertUntouchedAsync(target, before);

        // Replayed directly (no verification): database 5 is written, nothing of database 17 lands anywhere.
        await using (var f = File.OpenRead(rdb))
        {
            var ex = await Assert.ThrowsAnyAsync<RedisBackupException>(() =>
                RdbLiveRestorer.RestoreAsync(f, target.Endpoint, new RestoreOptions(), null, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2)));
            Assert.Equal("DatabaseOutOfRange", ex.ErrorId);
        }
        Assert.Equal(new Dictionary<int, long> { [0] = UnrelatedKeys, [5] = 300 }, await target.KeysPerDatabaseAsync());
    }

    [Fact]
    public async Task The_CLI_refuses_to_db_out_of_range_with_exit_code_2_naming_the_database_and_the_count()
    {
        await using var scene = await Scene.StartAsync(withDb5: false);

        var outcome = await new CliRun().RunAsync("restore", scene.Path, "--port", scene.Target.PortText,
            "--to-db", "20", "--flush", "--yes", "--json");
        Assert.True(outcome.ExitCode == 2, outcome.ToString());
        var error = outcome.Json().GetProperty("error");
        Assert.Equal("DatabaseOutOfRange", error.GetProperty("id").GetString());
        Assert.Contains("Database 20", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("16 databases", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await scene.AssertUntouchedAsync();
    }
}
