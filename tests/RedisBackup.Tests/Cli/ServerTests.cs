using System.Globalization;
using System.Text.Json;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Cli;

/// <summary>The CLI against real redis-server processes, in-process through CliApp.</summary>
public class ServerTests
{
    private static string P(RedisServer server) => server.Port.ToString(CultureInfo.InvariantCulture);

    private static async Task SeedAsync(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        var ct = CancellationToken.None;
        await c.ExecuteAsync(ct, "SET", "greeting", "hello");
        await c.ExecuteAsync(ct, "SET", "session:1", "abc", "PX", "3600000");
        await c.ExecuteAsync(ct, "HSET", "user:1", "name", "Ada", "lang", "en");
        await c.ExecuteAsync(ct, "RPUSH", "queue", "a", "b", "c");
        await c.ExecuteAsync(ct, "SADD", "tags", "x", "y");
        await c.ExecuteAsync(ct, "ZADD", "scores", "1.5", "p", "2.25", "q");
        await c.ExecuteAsync(ct, "SELECT", "2");
        await c.ExecuteAsync(ct, "SET", "in-db-2", "v");
        await c.ExecuteAsync(ct, "XADD", "events", "*", "k", "v");
    }

    /// <summary>The backups the catalog lists (through the CLI's own list --json).</summary>
    private static async Task<JsonElement[]> ListAsync(string dir)
    {
        var list = await new CliRun().RunAsync("list", "--dir", dir, "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        return list.Json().EnumerateArray().ToArray();
    }

    [Fact]
    public async Task Key_level_backup_list_and_restore_round_trip()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await SeedAsync(source);
        using var dir = new TempDirectory();

        var backup = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var record = backup.Json();
        var path = record.GetProperty("path").GetString()!;
        Assert.True(File.Exists(path));
        Assert.Equal("keyLevel", record.GetProperty("kind").GetString());
        Assert.Equal(8, record.GetProperty("keyCount").GetInt64());
        Assert.True(record.GetProperty("sizeBytes").GetInt64() > 0);
        Assert.True(record.GetProperty("createdAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal(JsonValueKind.Array, record.GetProperty("removed").ValueKind);
        var name = record.GetProperty("name").GetString()!;

        var list = await new CliRun().RunAsync("list", "--dir", dir.Path, "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        var entries = list.Json().EnumerateArray().ToArray();
        Assert.Single(entries);
        Assert.Equal(name, entries[0].GetProperty("name").GetString());
        Assert.Equal(path, entries[0].GetProperty("path").GetString());

        var table = await new CliRun().RunAsync("list", "--dir", dir.Path);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("NAME", table.Stdout);
        Assert.Contains(name, table.Stdout);

        var restore = await new CliRun().RunAsync("restore", name, "--dir", dir.Path, "--port", P(target), "--json");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        var result = restore.Json();
        Assert.Equal(8, result.GetProperty("restored").GetInt64());
        Assert.Equal(0, result.GetProperty("skipped").GetInt64());
        Assert.Equal(0, result.GetProperty("expired").GetInt64());
        Assert.Equal(0, result.GetProperty("failed").GetInt64());
        Assert.Equal(8, result.GetProperty("total").GetInt64());
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());

        // Again, in human mode: every key exists now and is skipped by default.
        var again = await new CliRun().RunAsync("restore", path, "--port", P(target));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("8 skipped", again.Stdout);
    }

    [Fact]
    public async Task Human_backup_prints_a_step_log_on_stderr_and_the_result_on_stdout()
    {
        await using var source = await RedisServer.StartAsync();
        await SeedAsync(source);
        using var dir = new TempDirectory();
        var outcome = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--keep", "3");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains("Backup dir:", outcome.Stderr);
        Assert.Contains("Step 1/3", outcome.Stderr);
        Assert.Contains("Backup complete:", outcome.Stdout);
        Assert.DoesNotContain("\u001b[K", outcome.Stderr); // no live progress line when stderr is not a terminal
    }

    [Fact]
    public async Task Quiet_prints_nothing_on_success()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await SeedAsync(source);
        using var dir = new TempDirectory();

        var backup = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--quiet", "--keep", "2");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.Equal("", backup.Stdout);
        Assert.Equal("", backup.Stderr);
        var file = Assert.Single(await ListAsync(dir.Path)).GetProperty("path").GetString()!;

        var restore = await new CliRun().RunAsync("restore", file, "--port", P(target), "--quiet");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal("", restore.Stdout);
        Assert.Equal("", restore.Stderr);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
    }

    [Fact]
    public async Task Dry_run_prints_the_plan_and_creates_nothing()
    {
        await using var source = await RedisServer.StartAsync();
        await SeedAsync(source);
        using var dir = new TempDirectory();
        var catalog = dir.Combine("not-yet");

        var human = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", catalog, "--keep", "5", "--dry-run");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("Dry run", human.Stdout);
        Assert.Contains("1. Export keys from", human.Stdout);
        Assert.Contains("keep the newest 5", human.Stdout);

        var json = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", catalog, "--dry-run", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.True(json.Json().GetProperty("dryRun").GetBoolean());
        Assert.NotEmpty(json.Json().GetProperty("steps").EnumerateArray());
        Assert.False(Directory.Exists(catalog));
    }

    [Fact]
    public async Task Restore_dry_run_with_flush_needs_no_confirmation_and_changes_nothing()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await SeedAsync(source);
        using var dir = new TempDirectory();
        var backup = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        await using (var c = await target.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "SET", "keep-me", "1");
        var before = await target.DigestAsync();

        var plan = await new CliRun().RunAsync("restore", backup.Json().GetProperty("path").GetString()!, "--port", P(target), "--flush", "--dry-run");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("FLUSHDB", plan.Stdout);
        Assert.Equal(before, await target.DigestAsync());
    }

    [Fact]
    public async Task Flush_with_yes_empties_the_target_first()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await SeedAsync(source);
        using var dir = new TempDirectory();
        var backup = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        await using (var c = await target.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "SET", "stray", "1");

        var refused = await new CliRun().RunAsync("restore", backup.Json().GetProperty("path").GetString()!, "--port", P(target), "--flush");
        Assert.Equal(2, refused.ExitCode);
        Assert.NotEqual(await source.DigestAsync(), await target.DigestAsync());

        var restore = await new CliRun().RunAsync("restore", backup.Json().GetProperty("path").GetString()!, "--port", P(target), "--flush", "--yes", "--json");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
    }

    [Fact]
    public async Task A_wrong_password_exits_1_with_an_authentication_error()
    {
        await using var server = await RedisServer.StartAsync("--requirepass", "right-password");
        using var dir = new TempDirectory();
        var run = new CliRun();
        run.Environment["REDISCLI_AUTH"] = "wrong-password";
        var outcome = await run.RunAsync("backup", "--port", P(server), "--dir", dir.Path, "--json");
        Assert.True(outcome.ExitCode == 1, outcome.ToString());
        var error = outcome.Json().GetProperty("error");
        Assert.Equal("authenticationFailed", error.GetProperty("kind").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("id").GetString()));
        Assert.Contains("redis-backup: error:", outcome.Stderr);
        Assert.DoesNotContain("wrong-password", outcome.Stdout + outcome.Stderr);
        Assert.Empty(await ListAsync(dir.Path));

        var right = new CliRun { StdIn = "right-password\n" };
        var ok = await right.RunAsync("backup", "--port", P(server), "--dir", dir.Path, "--password-stdin", "--quiet");
        Assert.True(ok.ExitCode == 0, ok.ToString());
    }

    [Fact]
    public async Task Catalog_commands_print_their_json_shapes_and_reject_escaping_names()
    {
        await using var source = await RedisServer.StartAsync();
        await SeedAsync(source);
        using var dir = new TempDirectory();
        using var export = new TempDirectory();
        var first = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        var name = first.Json().GetProperty("name").GetString()!;

        var stats = await new CliRun().RunAsync("stats", "--dir", dir.Path, "--json");
        Assert.True(stats.ExitCode == 0, stats.ToString());
        var s = stats.Json();
        Assert.Equal(1, s.GetProperty("totalBackups").GetInt32());
        Assert.True(s.GetProperty("totalSizeBytes").GetInt64() > 0);
        Assert.Equal(name, s.GetProperty("latest").GetProperty("name").GetString());
        Assert.Equal(name, s.GetProperty("oldest").GetProperty("name").GetString());
        Assert.True(s.TryGetProperty("freeSpaceBytes", out _));
        var humanStats = await new CliRun().RunAsync("stats", "--dir", dir.Path);
        Assert.Contains("Total size:", humanStats.Stdout);

        var verify = await new CliRun().RunAsync("verify", name, "--dir", dir.Path, "--json");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.True(verify.Json().GetProperty("isValid").GetBoolean());

        var copy = await new CliRun().RunAsync("copy", name, export.Path, "--dir", dir.Path, "--json");
        Assert.True(copy.ExitCode == 0, copy.ToString());
        Assert.True(File.Exists(copy.Json().GetProperty("path").GetString()));

        foreach (var args in new[] { new[] { "remove", "../x" }, ["copy", "../x", export.Path], ["remove", "/etc/passwd"] })
        {
            var refused = await new CliRun().RunAsync([.. args, "--dir", dir.Path, "--json"]);
            Assert.True(refused.ExitCode == 2, string.Join(' ', args) + ": " + refused);
            Assert.Equal("invalidArgument", refused.Json().GetProperty("error").GetProperty("kind").GetString());
        }

        var dry = await new CliRun().RunAsync("remove", name, "--dir", dir.Path, "--dry-run", "--json");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.True(dry.Json().GetProperty("dryRun").GetBoolean());
        Assert.True(File.Exists(first.Json().GetProperty("path").GetString()));

        var removed = await new CliRun().RunAsync("remove", name, "--dir", dir.Path, "--json");
        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Equal(name, removed.Json().GetProperty("name").GetString());
        Assert.False(File.Exists(first.Json().GetProperty("path").GetString()));

        var missing = await new CliRun().RunAsync("verify", name, "--dir", dir.Path);
        Assert.True(missing.ExitCode == 1, missing.ToString());
    }

    [Fact]
    public async Task A_corrupted_backup_fails_verification_with_exit_1()
    {
        await using var source = await RedisServer.StartAsync();
        await SeedAsync(source);
        using var dir = new TempDirectory();
        var backup = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var path = backup.Json().GetProperty("path").GetString()!;
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        var verify = await new CliRun().RunAsync("verify", path, "--json");
        Assert.True(verify.ExitCode == 1, verify.ToString());
        Assert.False(verify.Json().GetProperty("isValid").GetBoolean());
        Assert.NotEmpty(verify.Json().GetProperty("problems").EnumerateArray());
        Assert.Contains("verification", verify.Stderr);
    }

    [Fact]
    public async Task Retention_reports_what_it_removed()
    {
        await using var source = await RedisServer.StartAsync();
        await SeedAsync(source);
        using var dir = new TempDirectory();
        var first = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        await Task.Delay(1100); // backup names carry the second they were taken
        var second = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--keep", "1", "--json");
        Assert.True(second.ExitCode == 0, second.ToString());
        var removed = second.Json().GetProperty("removed").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal([first.Json().GetProperty("name").GetString()!], removed);
    }

    [Fact]
    public async Task Ctrl_C_during_a_backup_exits_130_and_leaves_no_backup()
    {
        await using var source = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "400000", "key", "100");
        using var dir = new TempDirectory();
        using var ctrlC = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        var outcome = await new CliRun().RunAsync(ctrlC.Token, "backup", "--port", P(source), "--dir", dir.Path);
        Assert.True(outcome.ExitCode == 130, outcome.ToString());
        Assert.Empty(await ListAsync(dir.Path));
    }

    [Fact]
    public async Task Rdb_snapshot_over_replication_is_listed_verified_and_reported_as_a_snapshot()
    {
        await using var source = await RedisServer.StartAsync();
        await SeedAsync(source);
        using var dir = new TempDirectory();
        var backup = await new CliRun().RunAsync("backup", "--kind", "rdb", "--port", P(source), "--dir", dir.Path, "--compress", "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var record = backup.Json();
        Assert.Equal("snapshot", record.GetProperty("kind").GetString());
        Assert.Equal("rdb", record.GetProperty("format").GetString());
        Assert.True(record.GetProperty("compressed").GetBoolean());
        Assert.Equal(8, record.GetProperty("keyCount").GetInt64());

        var listed = Assert.Single(await ListAsync(dir.Path));
        Assert.Equal(record.GetProperty("name").GetString(), listed.GetProperty("name").GetString());
        var onlyKeys = await new CliRun().RunAsync("list", "--dir", dir.Path, "--kind", "keys", "--json");
        Assert.Empty(onlyKeys.Json().EnumerateArray());

        var verify = await new CliRun().RunAsync("verify", record.GetProperty("name").GetString()!, "--dir", dir.Path);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("OK:", verify.Stdout);
    }

    [Fact]
    public async Task Rdb_snapshot_restores_into_a_live_server_through_the_cli()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await SeedAsync(source);
        using var dir = new TempDirectory();
        var backup = await new CliRun().RunAsync("backup", "--kind", "rdb", "--port", P(source), "--dir", dir.Path, "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());

        var restore = await new CliRun().RunAsync("restore", backup.Json().GetProperty("name").GetString()!, "--dir", dir.Path, "--port", P(target), "--json");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        var result = restore.Json();
        Assert.Equal(8, result.GetProperty("restored").GetInt64());
        Assert.Equal(8, result.GetProperty("total").GetInt64());
        Assert.Equal("live", result.GetProperty("method").GetString());
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
    }
}
