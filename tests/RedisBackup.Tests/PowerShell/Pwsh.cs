using System.Diagnostics;
using System.Text.Json;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Tests.PowerShell;

/// <summary>
/// Runs a script in a real pwsh process with the assembled module (module/RedisBackup) imported, and returns what it
/// printed. The module must hold the same engine this test assembly was built with (build the solution first): a stale
/// module fails the test instead of testing old code.
/// </summary>
internal static class Pwsh
{
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "RedisBackup.sln"))) return dir.FullName;
            throw new InvalidOperationException("The repository root (RedisBackup.sln) was not found above " + AppContext.BaseDirectory);
        }
    }

    public static string ModuleManifest => Path.Combine(RepoRoot, "module", "RedisBackup", "RedisBackup.psd1");

    private static string Executable()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "pwsh");
            if (File.Exists(candidate)) return candidate;
        }
        var tool = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "pwsh");
        if (File.Exists(tool)) return tool;
        throw new InvalidOperationException("pwsh was not found on PATH or in ~/.dotnet/tools (dotnet tool install --global PowerShell).");
    }

    private static void RequireCurrentModule()
    {
        var moduleEngine = Path.Combine(Path.GetDirectoryName(ModuleManifest)!, "RedisBackup.Engine.dll");
        if (!File.Exists(moduleEngine))
            throw new InvalidOperationException($"{moduleEngine} does not exist: build the solution (dotnet build -c Release) to assemble the module.");
        var built = File.ReadAllBytes(typeof(RestoreOperation).Assembly.Location);
        if (!built.AsSpan().SequenceEqual(File.ReadAllBytes(moduleEngine)))
            throw new InvalidOperationException($"{moduleEngine} is not the engine these tests were built with: build the solution (dotnet build -c Release) to refresh the module.");
    }

    /// <summary>Runs <paramref name="script"/> after Import-Module; its last output should be one JSON document.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string script)
    {
        RequireCurrentModule();
        var file = Path.Combine(Path.GetTempPath(), $"redisbackup-test-{Guid.NewGuid():N}.ps1");
        await File.WriteAllTextAsync(file, $"$ErrorActionPreference = 'Stop'\nImport-Module '{ModuleManifest.Replace("'", "''", StringComparison.Ordinal)}'\n{script}\n");
        try
        {
            var psi = new ProcessStartInfo(Executable()) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var a in new[] { "-NoProfile", "-NonInteractive", "-File", file }) psi.ArgumentList.Add(a);
            psi.Environment.Remove("REDISCLI_AUTH");
            psi.Environment.Remove("REDISBACKUP_PATH");
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("pwsh did not start.");
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>As <see cref="RunAsync"/>, requiring exit code 0, with stdout parsed as JSON.</summary>
    public static async Task<JsonElement> JsonAsync(string script)
    {
        var (code, stdout, stderr) = await RunAsync(script);
        Assert.True(code == 0, $"pwsh exited {code}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
        try
        {
            using var doc = JsonDocument.Parse(stdout);
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"pwsh did not print one JSON document: {ex.Message}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}", ex);
        }
    }

    /// <summary>A value as a single-quoted PowerShell string literal.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
