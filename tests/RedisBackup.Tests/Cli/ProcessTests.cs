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

    [Fact]
    public async Task A_wrong_REDISCLI_AUTH_exits_1_and_a_backup_with_the_right_one_exits_0_with_its_record()
    {
        await using var server = await RedisServer.StartAsync("--requirepass", "s3cret");
        await using (var c = await server.ConnectAsync("s3cret")) await c.ExecuteAsync(CancellationToken.None, "SET", "k", "v");
        using var dir = new TempDirectory();
        var port = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var wrong = await CliRun.RunProcessAsync(new Dictionary<string, string?> { ["REDISCLI_AUTH"] = "nope" }, "backup", "--port", port, "--dir", dir.Path, "--json");
        Assert.True(wrong.ExitCode == 1, wrong.ToString());
        Assert.Equal("authenticationFailed", wrong.Json().GetProperty("error").GetProperty("kind").GetString());
        Assert.NotEqual("", wrong.Stderr);

        var right = await CliRun.RunProcessAsync(new Dictionary<string, string?> { ["REDISCLI_AUTH"] = "s3cret" }, "backup", "--port", port, "--dir", dir.Path, "--json");
        Assert.True(right.ExitCode == 0, right.ToString());
        var record = right.Json();
        Assert.True(File.Exists(record.GetProperty("path").GetString()));
        Assert.Equal(1, record.GetProperty("keyCount").GetInt64());
        Assert.Equal("", right.Stderr);
    }

    [Fact]
    public async Task SIGTERM_during_a_backup_exits_130_and_leaves_no_backup()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var c = await server.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "1000000", "key", "200");
        using var dir = new TempDirectory();
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { CliRun.DllPath, "backup", "--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", dir.Path })
            psi.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        // Wait for the first step line: the export is under way.
        var firstLine = await process.StandardError.ReadLineAsync();
        while (firstLine is not null && !firstLine.StartsWith("Step 1", StringComparison.Ordinal))
            firstLine = await process.StandardError.ReadLineAsync();
        Assert.NotNull(firstLine);
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        var rest = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}: {rest} {await stdout}");
        Assert.Contains("Cancelled", rest);
        var list = await new CliRun().RunAsync("list", "--dir", dir.Path, "--json");
        Assert.Empty(list.Json().EnumerateArray());
    }
}
