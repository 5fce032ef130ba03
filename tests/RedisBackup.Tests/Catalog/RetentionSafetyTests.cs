using System.Globalization;
using System.Text.Json;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

/// <summary>
/// Issue 9, item 5: retention never deletes the last good backup. It is scoped by source (and kind and key selection),
/// a backup that shrank holds it back with a warning, and a mistyped --type is refused instead of making an empty
/// "verified" backup. Real servers, the real CLI.
/// </summary>
public class RetentionSafetyTests
{
    private static string P(RedisServer s) => s.Port.ToString(CultureInfo.InvariantCulture);

    private static async Task<CliOutcome> BackupAsync(RedisServer server, string dir, params string[] extra)
        => await new CliRun().RunAsync(["backup", "--port", P(server), "--dir", dir, "--json", .. extra]);

    private static string[] Names(string dir) => new BackupCatalog(dir).List().Select(b => b.Name).ToArray();

    [Fact]
    public async Task An_emptied_server_does_not_rotate_the_last_good_backup_away_until_shrinking_is_allowed()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var c = await server.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "2000");
        using var tmp = new TempDirectory();
        var good = await BackupAsync(server, tmp.Path, "--keep", "1");
        Assert.True(good.ExitCode == 0, good.ToString());
        var goodName = good.Json().GetProperty("name").GetString()!;

        await using (var c = await server.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "FLUSHALL");
        var empty = await BackupAsync(server, tmp.Path, "--keep", "1");

        // The backup itself succeeds; retention is held back, and the result and a warning say why.
        Assert.True(empty.ExitCode == 0, empty.ToString());
        var json = empty.Json();
        Assert.Equal(0, json.GetProperty("keyCount").GetInt64());
        Assert.Empty(json.GetProperty("removed").EnumerateArray());
        var held = json.GetProperty("retentionHeldBack").GetString();
        Assert.NotNull(held);
        Assert.Contains("holds no keys", held, StringComparison.Ordinal);
        Assert.Contains("redis-backup: warning: Retention was held back", empty.Stderr, StringComparison.Ordinal);
        Assert.Equal(new[] { goodName, json.GetProperty("name").GetString()! }, Names(tmp.Path));
        var kept = new BackupCatalog(tmp.Path).Get(goodName);
        Assert.Equal(2000, kept.KeyCount);
        Assert.True((await VerifyOperation.RunAsync(kept)).IsValid);

        // The warning reaches a cron job's mail even with --quiet.
        var quiet = await new CliRun().RunAsync("backup", "--port", P(server), "--dir", tmp.Path, "--keep", "1", "--quiet");
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.Equal("", quiet.Stdout);
        Assert.Contains("Retention was held back", quiet.Stderr, StringComparison.Ordinal);
        Assert.Contains(goodName, Names(tmp.Path));

        // --allow-shrink applies retention anyway.
        var allowed = await BackupAsync(server, tmp.Path, "--keep", "1", "--allow-shrink");
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Equal(JsonValueKind.Null, allowed.Json().GetProperty("retentionHeldBack").ValueKind);
        Assert.Contains(goodName, allowed.Json().GetProperty("removed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(new[] { allowed.Json().GetProperty("name").GetString()! }, Names(tmp.Path));
    }

    [Fact]
    public async Task A_backup_with_fewer_than_half_the_keys_holds_retention_back_but_a_modest_shrink_does_not()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var c = await server.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "1000");
        using var tmp = new TempDirectory();
        Assert.Equal(0, (await BackupAsync(server, tmp.Path, "--keep", "1")).ExitCode);

        // 1,000 → 700 keys: an ordinary change, retention runs.
        await using (var c = await server.ConnectAsync())
            for (var i = 0; i < 300; i++) await c.ExecuteAsync(CancellationToken.None, "DEL", $"key:{i}");
        var modest = await BackupAsync(server, tmp.Path, "--keep", "1");
        Assert.True(modest.ExitCode == 0, modest.ToString());
        Assert.Single(modest.Json().GetProperty("removed").EnumerateArray());
        var before = Names(tmp.Path);

        // 700 → 300 keys: fewer than half of the newest earlier backup of this server, retention is held back.
        await using (var c = await server.ConnectAsync())
            for (var i = 300; i < 700; i++) await c.ExecuteAsync(CancellationToken.None, "DEL", $"key:{i}");
        var shrunk = await BackupAsync(server, tmp.Path, "--keep", "1", "--max-age", "1s");
        Assert.True(shrunk.ExitCode == 0, shrunk.ToString());
        var held = shrunk.Json().GetProperty("retentionHeldBack").GetString();
        Assert.Contains("300 keys, fewer than half of the 700", held, StringComparison.Ordinal);
        Assert.Equal(before.Append(shrunk.Json().GetProperty("name").GetString()!), Names(tmp.Path));
    }

    [Fact]
    public async Task Retention_is_scoped_by_source_so_one_server_never_rotates_anothers_backups_away()
    {
        await using var a = await RedisServer.StartAsync();
        await using var b = await RedisServer.StartAsync();
        await using (var c = await a.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "100", "a");
        await using (var c = await b.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "100", "b");
        using var tmp = new TempDirectory();

        var fromA = await BackupAsync(a, tmp.Path, "--keep", "1");
        var fromB = await BackupAsync(b, tmp.Path, "--keep", "1");
        var fromB2 = await BackupAsync(b, tmp.Path, "--keep", "1");

        Assert.Empty(fromB.Json().GetProperty("removed").EnumerateArray());
        Assert.Equal(new[] { fromB.Json().GetProperty("name").GetString() }, fromB2.Json().GetProperty("removed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(new[] { fromA.Json().GetProperty("name").GetString()!, fromB2.Json().GetProperty("name").GetString()! }, Names(tmp.Path));
    }

    [Fact]
    public async Task A_partial_selection_never_rotates_the_full_export_away()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var c = await server.ConnectAsync())
        {
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "500", "user");
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "500", "session");
        }
        using var tmp = new TempDirectory();
        var full = await BackupAsync(server, tmp.Path, "--keep", "1");
        var users = await BackupAsync(server, tmp.Path, "--keep", "1", "--match", "user:*");
        Assert.True(users.ExitCode == 0, users.ToString());
        Assert.Empty(users.Json().GetProperty("removed").EnumerateArray());
        Assert.Equal(new[] { full.Json().GetProperty("name").GetString()!, users.Json().GetProperty("name").GetString()! }, Names(tmp.Path));
    }

    [Fact]
    public async Task A_mistyped_type_is_a_usage_error_and_nothing_is_written()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var c = await server.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "100");
        using var tmp = new TempDirectory();
        var dir = tmp.Combine("cat");

        var typo = await BackupAsync(server, dir, "--type", "strng", "--keep", "1");
        Assert.True(typo.ExitCode == 2, typo.ToString());
        var error = typo.Json().GetProperty("error");
        Assert.Equal("InvalidKeyType", error.GetProperty("id").GetString());
        Assert.Equal("invalidArgument", error.GetProperty("kind").GetString());
        Assert.Contains("'strng' is not a key type", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));

        // The engine refuses it too, for any front.
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => BackupOperation.RunAsync(new BackupRequest { Endpoint = server.Endpoint, Directory = dir, Types = ["hashes"] }));
        Assert.Equal(("InvalidKeyType", ErrorKind.InvalidArgument), (ex.ErrorId, ex.Kind));

        // Built-in names in any case are accepted; so is a module type name (9 characters), which this server has no keys of.
        var strings = await BackupAsync(server, dir, "--type", "String");
        Assert.True(strings.ExitCode == 0, strings.ToString());
        Assert.Equal(100, strings.Json().GetProperty("keyCount").GetInt64());
        var module = await BackupAsync(server, dir, "--type", "ReJSON-RL");
        Assert.True(module.ExitCode == 0, module.ToString());
        Assert.Equal(0, module.Json().GetProperty("keyCount").GetInt64());
    }
}
