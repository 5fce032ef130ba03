using System.Globalization;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedisBackup.Tests.Catalog;

/// <summary>
/// Issue 9, item 6 (and issue 10's leftover .partial files): a full disk never keeps the partial file and is still
/// journalled; a run killed outright leaves a partial that stats report and the next run removes. Real tmpfs volumes
/// (root), real servers, the real CLI.
/// </summary>
public class PartialFileTests(ITestOutputHelper output)
{
    private static string[] Partials(string dir)
        => Directory.Exists(dir) ? Directory.GetFiles(dir, "*.partial").Select(p => Path.GetFileName(p)!).ToArray() : [];

    /// <summary>Random (incompressible) values, so a key-level export of them is about their size even gzip-compressed.</summary>
    private static async Task FillIncompressibleAsync(RedisServer server, int keys, int bytes)
    {
        await using var c = await server.ConnectAsync();
        var value = new byte[bytes];
        for (var i = 0; i < keys; i++)
        {
            Random.Shared.NextBytes(value);
            await c.ExecuteAsync(CancellationToken.None, "SET", $"blob:{i}", value);
        }
    }

    [Fact]
    public void A_pending_backup_whose_buffer_cannot_be_flushed_is_still_deleted()
    {
        using var volume = SmallVolume.Mount("1m");
        var catalog = new BackupCatalog(Path.Combine(volume.Path, "cat"));
        var pending = catalog.CreatePending(BackupKind.KeyLevel, BackupFormat.KeysJsonl, true, DateTimeOffset.UtcNow);
        var chunk = new byte[4096];
        Random.Shared.NextBytes(chunk);
        Assert.ThrowsAny<IOException>(() =>
        {
            for (var i = 0; i < 1024; i++) pending.Stream.Write(chunk);
        });
        Assert.True(File.Exists(pending.TempPath));

        // The buffered tail cannot be written either: disposing must delete the file all the same.
        var thrown = Record.Exception(pending.Dispose);
        Assert.Null(thrown);
        Assert.Empty(Partials(catalog.Directory));
        Assert.True(new DriveInfo(volume.Path).AvailableFreeSpace > 512 * 1024, "the space of the partial file was not given back");
    }

    [Fact]
    public async Task A_key_level_backup_that_fills_the_disk_leaves_no_partial_is_journaled_and_retries_add_nothing()
    {
        using var volume = SmallVolume.Mount("2m");
        await using var server = await RedisServer.StartAsync();
        await FillIncompressibleAsync(server, 48, 64 * 1024);
        var dir = Path.Combine(volume.Path, "cat");
        var port = server.Port.ToString(CultureInfo.InvariantCulture);

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var run = await new CliRun().RunAsync("backup", "--port", port, "--dir", dir, "--json");
            output.WriteLine(run.ToString());
            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Empty(Partials(dir));
            var error = run.Json().GetProperty("error");
            Assert.Equal("BackupDiskFull", error.GetProperty("id").GetString());
            Assert.Contains("The partial file was removed", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("could not be recorded", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        var stats = await new CliRun().RunAsync("stats", "--dir", dir, "--json");
        Assert.True(stats.ExitCode == 0, stats.ToString());
        var last = stats.Json().GetProperty("lastFailure");
        Assert.Equal("BackupDiskFull", last.GetProperty("errorId").GetString());
        Assert.Equal("backup", last.GetProperty("operation").GetString());
        Assert.Empty(stats.Json().GetProperty("partialFiles").EnumerateArray());
        Assert.Equal(0, stats.Json().GetProperty("totalBackups").GetInt32());
    }

    [Fact]
    public async Task When_even_the_journal_cannot_be_written_the_error_says_so()
    {
        using var volume = SmallVolume.Mount("1m");
        await using var server = await RedisServer.StartAsync();
        await FillIncompressibleAsync(server, 8, 64 * 1024);
        var dir = Path.Combine(volume.Path, "cat");
        Directory.CreateDirectory(dir);
        using (var filler = new FileStream(Path.Combine(volume.Path, "filler"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            var page = new byte[4096];
            try { while (true) filler.Write(page); }
            catch (IOException) { }
        }

        var run = await new CliRun().RunAsync("backup", "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--dir", dir);
        output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("This failure could not be recorded in the catalog's journal", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(Partials(dir));
    }

    [Fact]
    public async Task A_run_killed_mid_export_leaves_a_partial_that_stats_report_and_the_next_run_removes()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var c = await server.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "1000000", "key", "200");
        using var tmp = new TempDirectory();
        var port = server.Port.ToString(CultureInfo.InvariantCulture);

        await using (var cli = CliProcess.Start(["backup", "--port", port, "--dir", tmp.Path]))
        {
            cli.CloseInput();
            await cli.WaitForStderrAsync("Step 1", TimeSpan.FromMinutes(1));
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (!Partials(tmp.Path).Any(p => new FileInfo(Path.Combine(tmp.Path, p)).Length > 0))
            {
                Assert.False(cli.HasExited, "the export finished before it could be killed");
                Assert.True(DateTime.UtcNow < deadline, "no partial file grew within a minute");
                await Task.Delay(20);
            }
            cli.Signal("KILL");
            Assert.True(await cli.TryWaitAsync(TimeSpan.FromSeconds(30)));
        }
        var partial = Assert.Single(Partials(tmp.Path));
        Assert.StartsWith(".redis-keys-", partial, StringComparison.Ordinal);

        // Stats report it (once it has settled: nobody holds its lock); a listing never shows it as a backup.
        await Task.Delay(PartialFiles.Settle + TimeSpan.FromMilliseconds(500));
        var stats = await new CliRun().RunAsync("stats", "--dir", tmp.Path, "--json");
        var reported = Assert.Single(stats.Json().GetProperty("partialFiles").EnumerateArray());
        Assert.Equal(partial, reported.GetProperty("name").GetString());
        Assert.True(reported.GetProperty("stale").GetBoolean());
        Assert.True(reported.GetProperty("sizeBytes").GetInt64() > 0);
        var human = await new CliRun().RunAsync("stats", "--dir", tmp.Path);
        Assert.Contains("left by interrupted runs", human.Stdout, StringComparison.Ordinal);
        Assert.Contains(partial, human.Stdout, StringComparison.Ordinal);
        Assert.Empty((await new CliRun().RunAsync("list", "--dir", tmp.Path, "--json")).Json().EnumerateArray());

        // The next run, under the lock, removes it.
        await using (var c = await server.ConnectAsync())
        {
            await c.ExecuteAsync(CancellationToken.None, "FLUSHALL");
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "10");
        }
        var next = await new CliRun().RunAsync("backup", "--port", port, "--dir", tmp.Path, "--json");
        Assert.True(next.ExitCode == 0, next.ToString());
        Assert.Equal(new[] { partial }, next.Json().GetProperty("stalePartialsRemoved").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(Partials(tmp.Path));
        Assert.Empty((await new CliRun().RunAsync("stats", "--dir", tmp.Path, "--json")).Json().GetProperty("partialFiles").EnumerateArray());
    }

    [Fact]
    public async Task A_partial_being_written_is_reported_but_never_removed()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        using var pending = catalog.CreatePending(BackupKind.Snapshot, BackupFormat.Rdb, false, DateTimeOffset.UtcNow.AddMinutes(-5));
        pending.Stream.Write("REDIS0011"u8);
        pending.Stream.Flush();
        File.SetLastWriteTimeUtc(pending.TempPath, DateTime.UtcNow.AddMinutes(-5));

        var stats = catalog.GetStats();
        var reported = Assert.Single(stats.PartialFiles);
        Assert.Equal(Path.GetFileName(pending.TempPath), reported.Name);
        Assert.False(reported.Stale);

        // Another run (this one's lock is not taken here) finds its writer alive and leaves it.
        Assert.Empty(catalog.RemoveStalePartials(DateTimeOffset.UtcNow));
        Assert.True(File.Exists(pending.TempPath));
        await Task.CompletedTask;
    }

    [Fact]
    public void An_old_partial_nobody_writes_is_stale()
    {
        using var tmp = new TempDirectory();
        var stale = tmp.Combine(".redis-backup-20260101-000000.rdb.0123456789ab.partial");
        File.WriteAllText(stale, "REDIS0011");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-1));
        var stats = new BackupCatalog(tmp.Path).GetStats();
        var reported = Assert.Single(stats.PartialFiles);
        Assert.True(reported.Stale);
        Assert.Equal(9, reported.SizeBytes);
    }
}
