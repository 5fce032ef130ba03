using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Cli;

/// <summary>Exit codes and error shapes for command lines that fail before any server is contacted.</summary>
public class UsageTests
{
    [Fact]
    public async Task Help_lists_the_commands_and_the_exit_codes()
    {
        var outcome = await new CliRun().RunAsync("--help");
        Assert.Equal(0, outcome.ExitCode);
        foreach (var command in new[] { "backup", "restore", "list", "stats", "remove", "verify", "copy" })
            Assert.Contains(command, outcome.Stdout);
        Assert.Contains("Exit codes:", outcome.Stdout);
        Assert.Contains("130", outcome.Stdout);

        var backupHelp = await new CliRun().RunAsync("backup", "--help");
        Assert.Equal(0, backupHelp.ExitCode);
        Assert.Contains("--password-stdin", backupHelp.Stdout);
        Assert.Contains("Exit codes:", backupHelp.Stdout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("backup --bogus")]
    [InlineData("backup --port abc")]
    [InlineData("backup --kind tarball")]
    [InlineData("backup --max-age soon")]
    [InlineData("restore")]
    [InlineData("restore a.rdb --ttl forever")]
    [InlineData("list --latest 0")]
    [InlineData("copy only-one-argument")]
    public async Task Malformed_command_lines_exit_2_with_a_message_on_stderr(string commandLine)
    {
        var args = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var outcome = await new CliRun().RunAsync(args);
        Assert.True(outcome.ExitCode == 2, outcome.ToString());
        Assert.Contains("redis-backup: error:", outcome.Stderr);
        Assert.Contains("--help", outcome.Stderr);
        Assert.Equal("", outcome.Stdout);
    }

    [Fact]
    public async Task A_usage_error_with_json_prints_the_error_object_on_stdout_and_the_message_on_stderr()
    {
        var outcome = await new CliRun().RunAsync("backup", "--json", "--max-age", "soon");
        Assert.Equal(2, outcome.ExitCode);
        var error = outcome.Json().GetProperty("error");
        Assert.Equal("InvalidCommandLine", error.GetProperty("id").GetString());
        Assert.Equal("invalidArgument", error.GetProperty("kind").GetString());
        Assert.Contains("soon", error.GetProperty("message").GetString());
        Assert.Contains("soon", outcome.Stderr);
    }

    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--uri", "http://example.com")]
    public async Task Invalid_endpoint_values_from_the_engine_rules_exit_2(string option, string value)
    {
        using var dir = new TempDirectory();
        var outcome = await new CliRun().RunAsync("backup", option, value, "--dir", dir.Path, "--json");
        Assert.True(outcome.ExitCode == 2, outcome.ToString());
        Assert.Equal("invalidArgument", outcome.Json().GetProperty("error").GetProperty("kind").GetString());
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task Password_and_password_stdin_together_exit_2()
    {
        using var dir = new TempDirectory();
        var run = new CliRun { StdIn = "pw\n" };
        var outcome = await run.RunAsync("backup", "--password", "a", "--password-stdin", "--dir", dir.Path);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--password-stdin", outcome.Stderr);
    }

    [Fact]
    public async Task Flush_without_yes_is_refused_when_not_interactive()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("a.rdb");
        File.WriteAllText(file, "not used");
        var outcome = await new CliRun().RunAsync("restore", file, "--flush", "--port", "1", "--json");
        Assert.Equal(2, outcome.ExitCode);
        var error = outcome.Json().GetProperty("error");
        Assert.Equal("ConfirmationRequired", error.GetProperty("id").GetString());
        Assert.Contains("--yes", error.GetProperty("message").GetString());
        Assert.Contains("--yes", outcome.Stderr);
    }

    [Fact]
    public async Task Flush_on_a_terminal_asks_and_a_no_refuses()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("a.rdb");
        File.WriteAllText(file, "not used");
        var run = new CliRun { Interactive = true, StdIn = "no\n" };
        var outcome = await run.RunAsync("restore", file, "--flush", "--port", "1");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("Type 'yes' to continue", outcome.Stderr);
        Assert.Contains("not confirmed", outcome.Stderr);
    }

    [Fact]
    public async Task Restore_of_a_missing_file_exits_1_with_a_not_found_error()
    {
        using var dir = new TempDirectory();
        var missing = dir.Combine("nope.rdb");
        var outcome = await new CliRun().RunAsync("restore", missing, "--port", "1", "--json");
        Assert.True(outcome.ExitCode == 1, outcome.ToString());
        var error = outcome.Json().GetProperty("error");
        Assert.Equal("notFound", error.GetProperty("kind").GetString());
        Assert.Contains("nope.rdb", error.GetProperty("message").GetString());
        Assert.Contains("nope.rdb", outcome.Stderr);
    }
}
