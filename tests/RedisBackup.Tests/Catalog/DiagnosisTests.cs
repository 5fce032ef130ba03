using System.Globalization;
using System.IO.Compression;
using System.Text;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedisBackup.Tests.Catalog;

/// <summary>
/// Issue 9, item 13 (and issue 10, finding 7): each of these failures gets its own error id, kind and a message that
/// says what is wrong: a read-only catalog, --dir naming a file, a catalog that does not exist, a seed JSON that is
/// not UTF-8, a key-level file of a newer format version.
/// </summary>
public class DiagnosisTests(ITestOutputHelper output)
{
    private static (string Id, string Kind, string Message) Error(CliOutcome outcome)
    {
        var e = outcome.Json().GetProperty("error");
        return (e.GetProperty("id").GetString()!, e.GetProperty("kind").GetString()!, e.GetProperty("message").GetString()!);
    }

    [Fact]
    public async Task A_read_only_catalog_is_not_writable_not_locked()
    {
        using var volume = SmallVolume.Mount("4m");
        await using var server = await RedisServer.StartAsync();
        var dir = Path.Combine(volume.Path, "cat");
        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        Assert.Equal(0, (await new CliRun().RunAsync("backup", "--port", port, "--dir", dir)).ExitCode);
        volume.RemountReadOnly();

        var run = await new CliRun().RunAsync("backup", "--port", port, "--dir", dir, "--json");
        output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 1, run.ToString());
        var (id, kind, message) = Error(run);
        Assert.Equal("CatalogNotWritable", id);
        Assert.Equal("permissionDenied", kind);
        Assert.Contains("read-only", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Another backup is running", message, StringComparison.Ordinal);

        // Reading a read-only catalog still works.
        var list = await new CliRun().RunAsync("list", "--dir", dir, "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Single(list.Json().EnumerateArray());
    }

    [Fact]
    public async Task A_dir_that_is_a_file_is_catalog_not_a_directory_for_backup_list_and_stats()
    {
        using var tmp = new TempDirectory();
        var file = tmp.Combine("afile");
        await File.WriteAllTextAsync(file, "not a catalog");

        foreach (var args in new[] { new[] { "backup", "--port", "1" }, ["list"], ["stats"] })
        {
            var run = await new CliRun().RunAsync([.. args, "--dir", file, "--json"]);
            Assert.True(run.ExitCode == 2, run.ToString());
            var (id, kind, message) = Error(run);
            Assert.Equal(("CatalogNotADirectory", "invalidArgument"), (id, kind));
            Assert.Contains(file + " is a file, not a directory", message, StringComparison.Ordinal);
            Assert.DoesNotContain("partial file", message, StringComparison.Ordinal);
            Assert.DoesNotContain("..", message, StringComparison.Ordinal);
        }
        var nested = await new CliRun().RunAsync("backup", "--port", "1", "--dir", Path.Combine(file, "cat"), "--json");
        Assert.Equal("CatalogNotADirectory", Error(nested).Id);
        Assert.Equal("not a catalog", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task A_catalog_that_does_not_exist_is_an_error_for_list_and_stats_and_is_created_by_a_backup()
    {
        await using var server = await RedisServer.StartAsync();
        using var tmp = new TempDirectory();
        var typo = tmp.Combine("bakups");

        foreach (var command in new[] { "list", "stats" })
        {
            var run = await new CliRun().RunAsync(command, "--dir", typo, "--json");
            Assert.True(run.ExitCode == 1, run.ToString());
            var (id, kind, message) = Error(run);
            Assert.Equal(("CatalogNotFound", "notFound"), (id, kind));
            Assert.Contains(typo, message, StringComparison.Ordinal);
            var human = await new CliRun().RunAsync(command, "--dir", typo);
            Assert.DoesNotContain("No backups", human.Stdout, StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(typo));
        Assert.Equal(0, (await new CliRun().RunAsync("backup", "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--dir", typo)).ExitCode);
        Assert.Single((await new CliRun().RunAsync("list", "--dir", typo, "--json")).Json().EnumerateArray());
    }

    [Fact]
    public async Task A_seed_JSON_that_is_not_UTF8_is_never_an_unexpected_error()
    {
        await using var server = await RedisServer.StartAsync();
        using var tmp = new TempDirectory();
        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        // Invalid UTF-8 in created_at, in a property name and in a key: what the seed service's files never hold, but a damaged copy may.
        var bytes = Encoding.ASCII.GetBytes("{\"timestamp\": \"20231205_143024\", \"created_at\": \"2023-12-05T14:30:22\u00ff\", \"d\u00ffta\": 1, \"data\": {\"k\u00ff\": {\"type\": \"string\", \"value\": \"v\", \"ttl\": -1}}}");
        for (var i = 0; i < bytes.Length; i++) if (bytes[i] == (byte)'?') bytes[i] = 0xFF;
        var file = tmp.Combine("redis_backup_20231205_143024.json");
        await File.WriteAllBytesAsync(file, bytes);

        foreach (var args in new[] { new[] { "verify", file, "--json" }, ["restore", file, "--port", port, "--json"], ["list", "--dir", tmp.Path, "--json"] })
        {
            var run = await new CliRun().RunAsync(args);
            output.WriteLine(run.ToString());
            Assert.DoesNotContain("UnexpectedError", run.Stdout + run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("InvalidOperationException", run.Stdout + run.Stderr, StringComparison.Ordinal);
            if (run.ExitCode != 0)
            {
                var (id, kind, _) = Error(run);
                Assert.Equal("invalidData", kind);
                Assert.StartsWith("Backup", id, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task A_key_level_file_of_a_newer_format_version_says_it_is_newer()
    {
        await using var server = await RedisServer.StartAsync();
        using var tmp = new TempDirectory();
        var file = tmp.Combine("redis-keys-20260101-000000.jsonl.gz");
        await using (var gz = new GZipStream(File.Create(file), CompressionLevel.Fastest))
        {
            await gz.WriteAsync(Encoding.UTF8.GetBytes(
                "{\"rec\":\"header\",\"format\":\"redisbackup-keys\",\"version\":3,\"createdAt\":\"2026-01-01T00:00:00Z\",\"source\":{\"address\":\"redis://x:1\",\"futureField\":[1,2]},\"newThing\":{\"a\":1}}\n" +
                "{\"rec\":\"key\",\"db\":0,\"key\":\"k\",\"type\":\"vector2\",\"value\":\"v\"}\n{\"rec\":\"trailer\",\"keys\":1}\n"));
        }

        var verify = await new CliRun().RunAsync("verify", file);
        Assert.True(verify.ExitCode == 1, verify.ToString());
        Assert.Contains("written by a newer redis-backup", verify.Stderr + verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("format version 3", verify.Stderr + verify.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("not a backup this tool can read", verify.Stderr + verify.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("..", verify.Stderr, StringComparison.Ordinal);

        var restore = await new CliRun().RunAsync("restore", file, "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--json");
        Assert.True(restore.ExitCode == 1, restore.ToString());
        var (id, kind, message) = Error(restore);
        Assert.Equal(("BackupFormatTooNew", "notSupported"), (id, kind));
        Assert.Contains("newer redis-backup", message, StringComparison.Ordinal);
        Assert.Equal("0", server.Cli("DBSIZE").Trim());
    }
}
