using System.Globalization;
using RedisBackup.Engine.Catalog;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

/// <summary>
/// Issue 9, item 10 and "also seen": a FIFO named like a backup must not hang list, stats or retention (the CLI runs as a
/// child process under a deadline), a second SIGINT/SIGTERM ends the process at once, a newline in a name cannot fake a
/// row, and a symbolic link is a backup only when it stays inside the catalog (the rule removal applies).
/// </summary>
public class HostileEntriesTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_FIFO_named_like_a_backup_hangs_neither_list_nor_stats_nor_retention()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var c = await server.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "10");
        using var tmp = new TempDirectory();
        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        Assert.Equal(0, (await CliProcess.RunAsync(Deadline, "backup", "--port", port, "--dir", tmp.Path)).ExitCode);
        var fifo = "redis-keys-20200101-000000.jsonl.gz";
        CatalogFiles.Run("mkfifo", tmp.Combine(fifo));
        CatalogFiles.Run("mkfifo", tmp.Combine(fifo + ".meta.json"));

        var list = await CliProcess.RunAsync(Deadline, "list", "--dir", tmp.Path, "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Single(list.Json().EnumerateArray());
        Assert.DoesNotContain(fifo, list.Stdout, StringComparison.Ordinal);

        var stats = await CliProcess.RunAsync(Deadline, "stats", "--dir", tmp.Path);
        Assert.True(stats.ExitCode == 0, stats.ToString());
        Assert.Contains($"Not a backup:", stats.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{fifo}: a FIFO (named pipe), not a regular file", stats.Stdout, StringComparison.Ordinal);

        var retention = await CliProcess.RunAsync(Deadline, "backup", "--port", port, "--dir", tmp.Path, "--keep", "1", "--max-age", "1s", "--json");
        Assert.True(retention.ExitCode == 0, retention.ToString());
        Assert.True(File.Exists(tmp.Combine(fifo)));

        // Named explicitly, it is refused without being opened.
        var verify = await CliProcess.RunAsync(Deadline, "verify", fifo, "--dir", tmp.Path, "--json");
        Assert.True(verify.ExitCode == 2, verify.ToString());
        Assert.Equal("NotABackup", verify.Json().GetProperty("error").GetProperty("id").GetString());
        Assert.Contains("FIFO", verify.Json().GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var restore = await CliProcess.RunAsync(Deadline, "restore", tmp.Combine(fifo), "--port", port, "--json");
        Assert.True(restore.ExitCode == 2, restore.ToString());
        Assert.Equal("NotABackup", restore.Json().GetProperty("error").GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_second_signal_ends_the_process_at_once()
    {
        // A run blocked where cancellation cannot reach: reading a password from a pipe nobody writes to.
        await using var cli = CliProcess.Start(["backup", "--password-stdin", "--port", "1", "--dir", "/nonexistent-never-created"]);
        await Task.Delay(TimeSpan.FromSeconds(3)); // let the runtime start and block in the read
        Assert.False(cli.HasExited, cli.Stderr);
        cli.Signal("TERM");
        Assert.False(await cli.TryWaitAsync(TimeSpan.FromSeconds(2)), "the first SIGTERM was expected to cancel, not to end a blocked read");
        cli.Signal("TERM");
        Assert.True(await cli.TryWaitAsync(TimeSpan.FromSeconds(10)), "a second SIGTERM did not end the process");
        var outcome = await cli.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(130, outcome.ExitCode);
        Assert.Contains("interrupted again; stopping now", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_newline_in_a_file_name_cannot_fake_a_row()
    {
        using var tmp = new TempDirectory();
        var rdb = await CatalogFiles.RealRdbAsync();
        await File.WriteAllBytesAsync(tmp.Combine("redis-backup-20260101-000000.rdb"), rdb);
        await File.WriteAllBytesAsync(tmp.Combine("x\nredis-backup-20990101-000000.rdb"), rdb);

        var list = await new CliRun().RunAsync("list", "--dir", tmp.Path);
        Assert.True(list.ExitCode == 0, list.ToString());
        var lines = list.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length); // header, two rows, summary
        Assert.Contains(lines, l => l.StartsWith("x\\nredis-backup-20990101-000000.rdb ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("redis-backup-20990101", StringComparison.Ordinal));
        // JSON keeps the name as it is.
        var json = await new CliRun().RunAsync("list", "--dir", tmp.Path, "--json");
        Assert.Contains(json.Json().EnumerateArray(), b => b.GetProperty("name").GetString() == "x\nredis-backup-20990101-000000.rdb");
    }

    [Fact]
    public async Task A_symlink_is_a_backup_only_when_it_stays_inside_the_catalog_and_then_shows_its_targets_size()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Combine("cat"));
        var real = CatalogFiles.Commit(catalog, await CatalogFiles.RealRdbAsync(), createdAt: DateTimeOffset.UtcNow.AddHours(-1));
        var inside = Path.Combine(catalog.Directory, "redis-backup-20260101-000000.rdb");
        File.CreateSymbolicLink(inside, real.Path);
        var outsideTarget = tmp.Combine("elsewhere.rdb");
        await File.WriteAllBytesAsync(outsideTarget, await CatalogFiles.RealRdbAsync());
        var outside = Path.Combine(catalog.Directory, "redis-backup-20260102-000000.rdb");
        File.CreateSymbolicLink(outside, outsideTarget);
        var dangling = Path.Combine(catalog.Directory, "redis-backup-20260103-000000.rdb");
        File.CreateSymbolicLink(dangling, Path.Combine(catalog.Directory, "gone.rdb"));

        var list = catalog.List();
        Assert.Equal(new[] { Path.GetFileName(inside), real.Name }.Order(), list.Select(b => b.Name).Order());
        Assert.Equal(real.SizeBytes, list.Single(b => b.Name == Path.GetFileName(inside)).SizeBytes);

        var stats = catalog.GetStats();
        Assert.Equal(2, stats.TotalBackups);
        Assert.Contains(stats.Ignored, i => i.Name == Path.GetFileName(outside) && i.Reason.Contains("outside the catalog", StringComparison.Ordinal));
        Assert.Contains(stats.Ignored, i => i.Name == Path.GetFileName(dangling) && i.Reason.Contains("dangling", StringComparison.Ordinal));

        // Consistent with removal: the link inside can be removed (as a link), the one leading out is refused by name.
        Assert.Equal("BackupOutsideCatalog", Assert.Throws<Engine.Errors.RedisBackupException>(() => catalog.Get(Path.GetFileName(outside))).ErrorId);
        Assert.Equal("BackupOutsideCatalog", Assert.Throws<Engine.Errors.RedisBackupException>(() => catalog.Remove(Path.GetFileName(outside))).ErrorId);
        catalog.Remove(Path.GetFileName(inside));
        Assert.True(File.Exists(real.Path));
        Assert.True(File.Exists(outsideTarget));
    }
}
