using System.Globalization;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;
using RedisBackup.Tests.Rdb;

namespace RedisBackup.Tests.Decode;

/// <summary>Restoring part of a backup: --db, --match and --type (-SourceDatabase, -Match, -Type) on RDB and key-level backups.</summary>
public class RestoreFilterTests
{
    private static readonly int[] Dbs = [0, 1, 5];

    private static async Task<(RedisServer Source, string Rdb, string Logical)> BackupsAsync(TempDirectory dir)
    {
        var source = await RedisServer.StartAsync("--repl-diskless-sync-delay", "0");
        await Dataset.FillAsync(source);
        var rdb = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path })).Backup.Path;
        var logical = (await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path })).Backup.Path;
        return (source, rdb, logical);
    }

    [Fact]
    public async Task Only_the_selected_keys_are_restored_from_RDB_and_key_level_backups()
    {
        using var dir = new TempDirectory();
        var (source, rdb, logical) = await BackupsAsync(dir);
        await using var _source = source;
        long all = 0;
        foreach (var db in Dbs) all += await ServerComparison.DbSizeAsync(source, db);

        foreach (var path in new[] { rdb, logical })
        {
            // Database 1, keys matching big:*, hashes and sorted sets: big:hash and big:zset (both over several chunks of a
            // key-level file, and the chunked big:list and big:set are left out whole).
            await using var target = await RedisServer.StartAsync();
            var options = new RestoreOptions { Databases = [1], Match = "big:*", Types = ["hash", "ZSET"] };
            var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = path, Endpoint = target.Endpoint, Options = options });
            Assert.Equal((2L, 2L, 0L, all - 2), (result.Restored, result.Total, result.Failed, result.NotSelected));
            await using var c = await target.ConnectAsync();
            await c.SelectAsync(1);
            var keys = (await c.Run("KEYS", "*")).AsArray().Select(k => k.AsString()).Order().ToList();
            Assert.Equal(["big:hash", "big:zset"], keys);
            await using var s = await source.ConnectAsync();
            await s.SelectAsync(1);
            foreach (var key in keys)
                Assert.Equal((await s.Run("DEBUG", "DIGEST-VALUE", key!)).AsArray()[0].AsString(), (await c.Run("DEBUG", "DIGEST-VALUE", key!)).AsArray()[0].AsString());
            Assert.Equal(0, await ServerComparison.DbSizeAsync(target, 0));
        }
    }

    [Fact]
    public async Task The_CLI_takes_db_match_and_type_and_a_container_restore_refuses_them()
    {
        using var dir = new TempDirectory();
        var (source, rdb, _) = await BackupsAsync(dir);
        await using var _source = source;
        await using var target = await RedisServer.StartAsync();
        var port = target.Port.ToString(CultureInfo.InvariantCulture);

        var run = await new CliRun().RunAsync("restore", rdb, "--port", port, "--db", "0", "--db", "5", "--type", "stream", "--match", "str*", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json();
        Assert.Equal(2, json.GetProperty("restored").GetInt64());
        Assert.True(json.GetProperty("notSelected").GetInt64() > 50);
        await ServerComparison.AssertIdenticalAsync(source, target, []);
        Assert.Equal(1, await ServerComparison.DbSizeAsync(target, 0));
        Assert.Equal(1, await ServerComparison.DbSizeAsync(target, 5));
        Assert.Equal("stream", (await KeyFiles.RunAsync(target, 5, "TYPE", "stream")).AsString());

        var human = await new CliRun().RunAsync("restore", rdb, "--port", port, "--match", "te?t", "--replace");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("Restored 3 of 3 keys", human.Stdout);
        Assert.Contains("keys of the backup were left out by --db, --match or --type", human.Stdout);

        var plan = await new CliRun().RunAsync("restore", rdb, "--port", port, "--match", "user:*", "--type", "hash", "--dry-run");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("keys matching 'user:*', of type hash", plan.Stdout);

        var ex = Assert.Throws<RedisBackupException>(() => RestoreOperation.Prepare(new RestoreRequest { Path = rdb, Container = "redis", Options = new RestoreOptions { Match = "a*" } }).Texts);
        Assert.Equal("FiltersNeedLiveRestore", ex.ErrorId);
        var refused = await new CliRun().RunAsync("restore", rdb, "--container", "redis", "--type", "hash", "--json");
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("FiltersNeedLiveRestore", refused.Json().GetProperty("error").GetProperty("id").GetString());

        // A typo in --type would make an empty "successful" restore: refused before anything is written (exit 2).
        await KeyFiles.RunAsync(target, 0, "FLUSHALL");
        var typo = await new CliRun().RunAsync("restore", rdb, "--port", port, "--type", "hashes", "--json");
        Assert.Equal(2, typo.ExitCode);
        Assert.Equal("InvalidKeyType", typo.Json().GetProperty("error").GetProperty("id").GetString());
        var negative = Assert.Throws<RedisBackupException>(() => RestoreOperation.Prepare(new RestoreRequest { Path = rdb, Endpoint = target.Endpoint, Options = new RestoreOptions { Databases = [-1] } }).Texts);
        Assert.Equal("InvalidDatabase", negative.ErrorId);
        Assert.Equal(0, await ServerComparison.DbSizeAsync(target, 0));

        // "module" (every module value) and a module's type name are types a restore filter takes.
        var modules = await new CliRun().RunAsync("restore", rdb, "--port", port, "--type", "module", "--type", "ReJSON-RL", "--json");
        Assert.True(modules.ExitCode == 0, modules.ToString());
        Assert.Equal(0, modules.Json().GetProperty("total").GetInt64());
    }
}
