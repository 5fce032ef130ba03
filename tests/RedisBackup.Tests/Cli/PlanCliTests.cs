using System.Globalization;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Cli;

/// <summary>The CLI's --dry-run shows the engine's plan, with what retention would remove; --label names the backup.</summary>
public class PlanCliTests
{
    private static string P(RedisServer server) => server.Port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Dry_run_with_keep_lists_the_backups_retention_would_remove_and_the_run_removes_them()
    {
        await using var source = await RedisServer.StartAsync();
        await Dataset.FillAsync(source);
        using var dir = new TempDirectory();
        var made = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var backup = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--json");
            Assert.True(backup.ExitCode == 0, backup.ToString());
            made.Add(backup.Json().GetProperty("path").GetString()!);
        }

        var human = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--keep", "2", "--dry-run");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("3. Apply retention", human.Stdout);
        Assert.Contains("Retention would remove:", human.Stdout);
        Assert.Contains(made[0], human.Stdout);
        Assert.Contains(made[1], human.Stdout);
        Assert.DoesNotContain(made[2], human.Stdout);

        var json = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--keep", "2", "--dry-run", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Equal([made[0], made[1]], json.Json().GetProperty("retentionWouldRemove").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["export-keys", "verify-and-save", "retention"], json.Json().GetProperty("plan").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.All(made, p => Assert.True(File.Exists(p)));

        // The run prints the same numbered steps as it enters them, and removes what the dry run listed.
        var run = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--keep", "2");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Step 1/3: Export keys from", run.Stderr);
        Assert.Contains("Step 2/3: Verify the new file", run.Stderr);
        Assert.Contains("Step 3/3: Apply retention", run.Stderr);
        Assert.False(File.Exists(made[0]));
        Assert.False(File.Exists(made[1]));
        Assert.True(File.Exists(made[2]));
    }

    [Fact]
    public async Task Label_becomes_part_of_the_backup_name_as_with_the_cmdlet()
    {
        await using var source = await RedisServer.StartAsync();
        await Dataset.FillAsync(source);
        using var dir = new TempDirectory();
        var backup = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--label", "pre-upgrade", "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.EndsWith("-pre-upgrade.jsonl.gz", backup.Json().GetProperty("name").GetString(), StringComparison.Ordinal);

        var bad = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--label", "../x", "--json");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("InvalidBackupLabel", bad.Json().GetProperty("error").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Key_filters_with_a_snapshot_are_refused_by_the_engine()
    {
        using var dir = new TempDirectory();
        var run = await new CliRun().RunAsync("backup", "--kind", "rdb", "--port", "1", "--dir", dir.Path, "--match", "a*", "--json");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("KeyOptionsNeedKeyLevel", run.Json().GetProperty("error").GetProperty("id").GetString());
    }
}
