using System.Diagnostics;
using System.Globalization;
using System.Text;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Rdb;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Docker;

/// <summary>
/// redis-backup against real containers: signals during a container restore (the tool as a real process), and the
/// password of a container given as for a server.
/// </summary>
[Collection(DockerTestGroup.Name)]
public sealed class ContainerCliTests : IDisposable
{
    private const int Timeout = 300_000;
    private readonly DockerClient _docker = DockerClient.FromEnvironment();
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        _docker.Dispose();
        _temp.Dispose();
    }

    /// <summary>A running redis-backup process whose stderr is read line by line.</summary>
    private sealed class ToolProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stderr = new();
        private readonly Task<string> _stdout;

        public ToolProcess(IReadOnlyDictionary<string, string> environment, params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
            psi.ArgumentList.Add(CliRun.DllPath);
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment.Remove("REDISCLI_AUTH");
            psi.Environment.Remove("REDISBACKUP_PATH");
            foreach (var (k, v) in environment) psi.Environment[k] = v;
            _process = Process.Start(psi)!;
            _process.StandardInput.Close();
            _stdout = _process.StandardOutput.ReadToEndAsync();
        }

        public string Stderr => _stderr.ToString();

        /// <summary>Reads stderr until a line starts with <paramref name="prefix"/>; false when the process ended first.</summary>
        public async Task<bool> WaitForLineAsync(string prefix)
        {
            while (await _process.StandardError.ReadLineAsync() is { } line)
            {
                _stderr.AppendLine(line);
                if (line.StartsWith(prefix, StringComparison.Ordinal)) return true;
            }
            return false;
        }

        public async Task SignalAsync(string signal)
        {
            using var kill = Process.Start("kill", [signal, _process.Id.ToString(CultureInfo.InvariantCulture)])!;
            await kill.WaitForExitAsync();
        }

        public async Task<(int Code, string Stdout, string Stderr)> WaitForExitAsync()
        {
            _stderr.Append(await _process.StandardError.ReadToEndAsync());
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await _process.WaitForExitAsync(timeout.Token);
            return (_process.ExitCode, await _stdout, Stderr);
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    private async Task<(RedisContainer Target, string Digest)> PopulatedTargetAsync()
    {
        var target = await RedisContainer.StartAsync(_docker);
        await TestDataset.PopulateAsync(target.Endpoint);
        return (target, await target.DigestAsync());
    }

    private async Task SigintAtAsync(string linePrefix, string expectedInMessage)
    {
        var (backup, _) = await ContainerBackupFiles.LargeAsync(_temp.Path);
        var (target, digest) = await PopulatedTargetAsync();
        await using var _ = target;
        using var tool = new ToolProcess(new Dictionary<string, string>(), "restore", backup, "--container", target.Name, "--dir", _temp.Combine("catalog"));

        Assert.True(await tool.WaitForLineAsync(linePrefix), tool.Stderr);
        await tool.SignalAsync("-INT");
        var (code, stdout, stderr) = await tool.WaitForExitAsync();

        Assert.True(code == 130, $"exit {code}\n{stdout}\n{stderr}");
        Assert.DoesNotContain("Nothing partial was kept", stderr, StringComparison.Ordinal);
        Assert.Contains("redis-backup: error: The restore of", stderr, StringComparison.Ordinal);
        Assert.Contains("was cancelled at step", stderr, StringComparison.Ordinal);
        Assert.Contains(expectedInMessage, stderr, StringComparison.Ordinal);
        Assert.Contains("started again with its previous data", stderr, StringComparison.Ordinal);
        Assert.Contains("--no-safety-snapshot", stderr, StringComparison.Ordinal);
        Assert.True(await target.IsRunningAsync());
        await target.WaitReadyAsync();
        Assert.Equal(digest, await target.DigestAsync());
    }

    [DockerFact(Timeout = Timeout)]
    public Task SIGINT_during_the_copy_exits_130_with_the_container_running_its_previous_data()
        => SigintAtAsync("Step 6/9", "/data/dump.rdb"); // the copy: the restore's plan is verify, prepare, read, safety snapshot, stop, copy, switch, start, check

    [DockerFact(Timeout = Timeout)]
    public Task SIGINT_while_the_new_data_loads_says_it_was_put_back_not_that_nothing_was_kept()
        => SigintAtAsync("Step 8/9", "The new data had been put in place; the previous /data/dump.rdb was put back");

    [DockerFact(Timeout = Timeout)]
    public async Task SIGKILL_during_the_copy_of_a_compressed_backup_leaves_the_original_data_file_and_no_plain_copy()
    {
        var (plain, _) = await ContainerBackupFiles.LargeAsync(_temp.Path);
        var gz = ContainerBackupFiles.Gzip(plain);
        File.Delete(plain);
        var (target, digest) = await PopulatedTargetAsync();
        await using var _ = target;
        var tmp = Directory.CreateDirectory(_temp.Combine("tmp")).FullName;
        var catalog = _temp.Combine("catalog");
        using var tool = new ToolProcess(new Dictionary<string, string> { ["TMPDIR"] = tmp, ["DOTNET_EnableDiagnostics"] = "0" },
            "restore", gz, "--container", target.Name, "--dir", catalog);

        Assert.True(await tool.WaitForLineAsync("Step 6/9"), tool.Stderr); // the copy
        await Task.Delay(150);
        await tool.SignalAsync("-KILL");
        await tool.WaitForExitAsync();

        // No decompressed copy of the dataset anywhere the tool writes.
        Assert.Empty(Directory.GetFiles(tmp, "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(catalog, "*.rdb", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(_temp.Path, "*.rdb", SearchOption.TopDirectoryOnly));
        // The data file is the original, complete: it verifies, and the container starts with exactly its data.
        var file = await target.ReadFileAsync("/data/dump.rdb");
        Assert.NotNull(file);
        await RdbVerifier.VerifyAsync(new MemoryStream(file));
        if (!await target.IsRunningAsync()) await _docker.StartContainerAsync(target.Name);
        await target.WaitReadyAsync();
        Assert.Equal(digest, await target.DigestAsync());
    }

    private const string PasswordConfig = "requirepass s3cret\n";

    [DockerFact(Timeout = Timeout)]
    public async Task A_password_only_in_the_containers_config_file_is_given_with_REDISCLI_AUTH_or_password_stdin()
    {
        await using var target = await RedisContainer.StartAsync(_docker, configFile: PasswordConfig, password: "s3cret");
        await target.ExecuteAsync("SET", "k", "v");
        var catalog = _temp.Combine("catalog");

        var without = await CliRun.RunProcessAsync(null, "backup", "--container", target.Name, "--dir", catalog, "--json");
        Assert.True(without.ExitCode == 1, without.ToString());
        Assert.Equal("RedisAuthenticationFailed", without.Json().GetProperty("error").GetProperty("id").GetString());
        Assert.Contains("--password-stdin", without.Stderr, StringComparison.Ordinal);

        var backup = await CliRun.RunProcessAsync(new Dictionary<string, string?> { ["REDISCLI_AUTH"] = "s3cret" }, "backup", "--container", target.Name, "--dir", catalog, "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var path = backup.Json().GetProperty("path").GetString()!;
        Assert.Equal(1, backup.Json().GetProperty("keyCount").GetInt64());

        await target.ExecuteAsync("SET", "later", "x");
        var restore = await new CliRun { StdIn = "s3cret\n" }.RunAsync("restore", path, "--container", target.Name, "--password-stdin", "--dir", catalog, "--json");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal(1, restore.Json().GetProperty("restored").GetInt64());
        await target.WaitReadyAsync();
        Assert.Equal(0L, (await target.ExecuteAsync("EXISTS", "later")).AsInt64());
    }

    [DockerFact(Timeout = Timeout)]
    public async Task An_ACL_user_of_a_container_is_given_with_user_and_password()
    {
        const string config = "user default off\nuser admin on >adminpw ~* &* +@all\n";
        await using var target = await RedisContainer.StartAsync(_docker, configFile: config, user: "admin", password: "adminpw");
        await target.ExecuteAsync("SET", "k", "v");
        var catalog = _temp.Combine("catalog");

        var backup = await new CliRun().RunAsync("backup", "--container", target.Name, "--user", "admin", "--password", "adminpw", "--dir", catalog, "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.Contains("visible to other users", backup.Stderr, StringComparison.Ordinal);
        var path = backup.Json().GetProperty("path").GetString()!;

        var restore = await new CliRun { Environment = { ["REDISCLI_AUTH"] = "adminpw" } }.RunAsync("restore", path, "--container", target.Name, "--user", "admin", "--no-safety-snapshot", "--json");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        await target.WaitReadyAsync();
        Assert.Equal("v", (await target.ExecuteAsync("GET", "k")).AsString());
    }

    [DockerFact(Timeout = Timeout)]
    public async Task A_host_option_with_a_container_is_still_a_usage_error()
    {
        await using var target = await RedisContainer.StartAsync(_docker);
        var outcome = await new CliRun().RunAsync("backup", "--container", target.Name, "--host", "127.0.0.1", "--dir", _temp.Combine("c"), "--json");
        Assert.True(outcome.ExitCode == 2, outcome.ToString());
    }
}
