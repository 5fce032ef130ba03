using System.Diagnostics;
using System.Globalization;
using System.Reflection.PortableExecutable;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Cli;

/// <summary>
/// The way the CLI ships (README "Install"): the framework-dependent publish profile gives an apphost that starts with
/// an empty environment (as cron runs it) and whose own assemblies carry ReadyToRun code. Published from a copy of the
/// sources, so the build of the checkout the other tests use is never touched.
/// </summary>
public class PublishTests
{
    [Fact(Timeout = 900_000)]
    public async Task The_framework_dependent_profile_publishes_a_ReadyToRun_redis_backup_that_runs_from_cron()
    {
        var root = RepositoryRoot();
        using var copy = new TempDirectory();
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props" })
            File.Copy(Path.Combine(root, file), copy.Combine(file));
        foreach (var project in new[] { "RedisBackup.Cli", "RedisBackup.Engine" })
            CopySources(Path.Combine(root, "src", project), copy.Combine("src", project));
        var output = copy.Combine("out");

        var publish = await RunAsync("dotnet", copy.Path, TimeSpan.FromMinutes(14), null,
            "publish", "src/RedisBackup.Cli", "-p:PublishProfile=framework-dependent", "-o", output);
        Assert.True(publish.ExitCode == 0, publish.Output);

        foreach (var dll in new[] { "redis-backup.dll", "RedisBackup.Engine.dll" })
        {
            using var pe = new PEReader(File.OpenRead(Path.Combine(output, dll)));
            Assert.True(pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0, $"{dll} has no ReadyToRun code");
        }
        Assert.False(File.Exists(Path.Combine(output, "RedisBackup.Engine.xml")));

        // cron gives a program almost no environment: the apphost must find the runtime by itself.
        var run = await RunAsync(Path.Combine(output, "redis-backup"), copy.Path, TimeSpan.FromMinutes(1), new Dictionary<string, string>(), "--version");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.StartsWith("0.", run.Output.Trim(), StringComparison.Ordinal);
    }

    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(dir);
            if (name is "bin" or "obj") continue;
            CopySources(dir, Path.Combine(to, name));
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RedisBackup.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository root (RedisBackup.sln) was not found above the test binaries.");
    }

    /// <param name="environment">The whole environment of the child (null: this process's).</param>
    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string workingDirectory, TimeSpan timeout, Dictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null)
        {
            psi.Environment.Clear();
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        }
        else
        {
            psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            psi.Environment["DOTNET_NOLOGO"] = "1";
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{program} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
