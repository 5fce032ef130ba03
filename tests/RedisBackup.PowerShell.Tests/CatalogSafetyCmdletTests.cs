using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using RedisBackup.PowerShell.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests;

/// <summary>
/// The PowerShell side of issue 9's catalog fixes, run in a real pwsh 7.6 process with the assembled module against a
/// real redis-server: -Type is validated and completed, a shrunk backup holds retention back with a warning unless
/// -AllowShrink, Get-RedisBackupStats reports partial files of interrupted runs, a missing catalog is an error.
/// </summary>
public sealed class CatalogSafetyCmdletTests : IAsyncLifetime
{
    private Process? _server;
    private string _work = "";
    private int _port;

    public async Task InitializeAsync()
    {
        _work = Path.Combine(Path.GetTempPath(), "redisbackup-pstests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_work);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var psi = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", _port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _work, "--enable-debug-command", "yes" })
            psi.ArgumentList.Add(a);
        _server = Process.Start(psi)!;
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (Cli("PING") != "PONG")
        {
            Assert.True(DateTime.UtcNow < deadline, "redis-server did not answer");
            await Task.Delay(100);
        }
    }

    public Task DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill();
            _server.WaitForExit();
        }
        _server?.Dispose();
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private string Cli(params string[] args)
    {
        var psi = new ProcessStartInfo("redis-cli") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-p", _port.ToString(CultureInfo.InvariantCulture) }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return output;
    }

    /// <summary>Runs a script in a fresh pwsh with the module imported and $Port / $Catalog set; returns stdout (stderr appended on failure).</summary>
    private string Pwsh(string script, string catalog)
    {
        var psi = new ProcessStartInfo(PwshPath()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-NoProfile");
        psi.ArgumentList.Add("-NonInteractive");
        psi.ArgumentList.Add("-Command");
        psi.ArgumentList.Add($"$ErrorActionPreference = 'Stop'; Import-Module '{Path.Combine(ModuleLayout.ModuleFolder, "RedisBackup.psd1")}'; " +
                             $"$Port = {_port}; $Catalog = '{catalog}'; {script}");
        psi.Environment.Remove("REDISBACKUP_PATH");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "pwsh did not finish within 2 minutes");
        Assert.True(p.ExitCode == 0, $"pwsh exited {p.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }

    private static string PwshPath()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
                     .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools")))
        {
            var candidate = Path.Combine(dir, "pwsh");
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Fail("pwsh 7.6 is not installed (.ci/setup installs it); the cmdlet tests cannot run without it.");
        return "";
    }

    [Fact]
    public void AnUnknownTypeIsRefusedWhileBindingAndTheKnownTypesComplete()
    {
        Cli("DEBUG", "POPULATE", "5");
        var catalog = Path.Combine(_work, "types");
        var output = Pwsh("""
            try { New-RedisBackup -Port $Port -Path $Catalog -Type strng; 'NOT REFUSED' }
            catch { 'ID=' + $_.FullyQualifiedErrorId; 'MESSAGE=' + $_.Exception.Message }
            $line = 'New-RedisBackup -Type s'
            (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText -join ','
            (New-RedisBackup -Port $Port -Path $Catalog -Type String).KeyCount
            """, catalog);
        Assert.DoesNotContain("NOT REFUSED", output, StringComparison.Ordinal);
        Assert.Contains("ID=ParameterArgumentValidationError,RedisBackup.PowerShell.Commands.NewRedisBackupCommand", output, StringComparison.Ordinal);
        Assert.Contains("'strng' is not a key type", output, StringComparison.Ordinal);
        Assert.Contains("string,set,stream", output, StringComparison.Ordinal);
        Assert.EndsWith("5", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void AShrunkBackupHoldsRetentionBackWithAWarningUnlessAllowShrink()
    {
        Cli("DEBUG", "POPULATE", "500");
        var catalog = Path.Combine(_work, "shrink");
        Pwsh("New-RedisBackup -Port $Port -Path $Catalog -Keep 1 | Out-Null", catalog);
        Cli("FLUSHALL");
        var output = Pwsh("""
            $b = New-RedisBackup -Port $Port -Path $Catalog -Keep 1 -WarningVariable held -WarningAction SilentlyContinue
            'HELD=' + ($held -join ' ')
            'COUNT=' + @(Get-RedisBackup -Path $Catalog).Count
            $c = New-RedisBackup -Port $Port -Path $Catalog -Keep 1 -AllowShrink -WarningVariable none -WarningAction SilentlyContinue
            'NONE=' + @($none).Count
            'AFTER=' + @(Get-RedisBackup -Path $Catalog).Count
            """, catalog);
        Assert.Contains("HELD=Retention was held back: the new backup", output, StringComparison.Ordinal);
        Assert.Contains("COUNT=2", output, StringComparison.Ordinal);
        Assert.Contains("NONE=0", output, StringComparison.Ordinal);
        Assert.Contains("AFTER=1", output, StringComparison.Ordinal);
    }

    [Fact]
    public void StatsReportAPartialFileLeftByAnInterruptedRunAndAMissingCatalogIsAnError()
    {
        var catalog = Path.Combine(_work, "partial");
        Pwsh("New-RedisBackup -Port $Port -Path $Catalog | Out-Null", catalog);
        var stale = Path.Combine(catalog, ".redis-keys-20260101-000000.jsonl.gz.0123456789ab.partial");
        File.WriteAllText(stale, "left by a killed run");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddMinutes(-10));
        var output = Pwsh("""
            $s = Get-RedisBackupStats -Path $Catalog -WarningVariable w -WarningAction SilentlyContinue
            'STALE=' + (@($s.PartialFiles | Where-Object Stale).Name -join ',')
            'WARN=' + ($w -join ' ')
            try { Get-RedisBackup -Path (Join-Path $Catalog 'typo') | Out-Null; 'NOT AN ERROR' } catch { 'ID=' + $_.FullyQualifiedErrorId }
            """, catalog);
        Assert.Contains("STALE=" + Path.GetFileName(stale), output, StringComparison.Ordinal);
        Assert.Contains("WARN=1 partial file(s) left by interrupted runs", output, StringComparison.Ordinal);
        Assert.Contains("ID=CatalogNotFound", output, StringComparison.Ordinal);
    }
}
