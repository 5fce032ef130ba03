using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Cli;

/// <summary>The built redis-backup.dll as a real process: exit codes and stdout as a script sees them.</summary>
public class ProcessTests
{
    [Fact]
    public async Task Help_exits_0_with_usage_on_stdout()
    {
        var outcome = await CliRun.RunProcessAsync(null, "--help");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains("Exit codes:", outcome.Stdout);
    }

    [Fact]
    public async Task An_unknown_option_exits_2()
    {
        var outcome = await CliRun.RunProcessAsync(null, "backup", "--no-such-option");
        Assert.True(outcome.ExitCode == 2, outcome.ToString());
        Assert.Contains("--no-such-option", outcome.Stderr);
    }

    [Fact]
    public async Task A_missing_backup_exits_1_with_one_json_error_on_stdout()
    {
        using var dir = new TempDirectory();
        var outcome = await CliRun.RunProcessAsync(null, "restore", dir.Combine("missing.jsonl.gz"), "--port", "1", "--json");
        Assert.True(outcome.ExitCode == 1, outcome.ToString());
        Assert.Equal("BackupNotFound", outcome.Json().GetProperty("error").GetProperty("id").GetString());
    }
}
