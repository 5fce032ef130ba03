using System.Diagnostics;
using System.Globalization;

namespace RedisBackup.Tests.Cli;

/// <summary>What one run of the CLI as a child process did, with its peak resident set size.</summary>
public sealed record MeasuredRun(int ExitCode, string Stdout, string Stderr, long PeakRssKb)
{
    public double PeakRssMb => PeakRssKb / 1024.0;

    public override string ToString() => $"exit {ExitCode}, peak RSS {PeakRssMb:0.0} MB\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Runs the built redis-backup.dll as a child process under GNU time (/usr/bin/time, installed by .ci/setup), whose
/// "%M" is the child's peak RSS (its VmHWM at exit, from wait4's ru_maxrss): the one way memory is measured in tests
/// and in the benchmark.
/// </summary>
public static class PeakRss
{
    public const string GnuTime = "/usr/bin/time";

    public static async Task<MeasuredRun> RunCliAsync(TimeSpan timeout, params string[] args)
    {
        Assert.True(File.Exists(GnuTime), $"{GnuTime} (GNU time) is needed to measure the CLI's peak RSS: apt-get install time (.ci/setup does).");
        var rssFile = Path.Combine(Path.GetTempPath(), $"redisbackup-rss-{Guid.NewGuid():N}.txt");
        var psi = new ProcessStartInfo(GnuTime) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "-f", "%M", "-o", rssFile, "dotnet", CliRun.DllPath }.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment.Remove("REDISCLI_AUTH");
        psi.Environment.Remove("REDISBACKUP_PATH");
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("GNU time did not start.");
        process.StandardInput.Close();
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
            throw new TimeoutException($"redis-backup {string.Join(' ', args)} did not finish within {timeout}.");
        }
        try
        {
            var kb = long.Parse(File.ReadAllLines(rssFile).Last(l => l.Length > 0).Trim(), CultureInfo.InvariantCulture);
            return new MeasuredRun(process.ExitCode, await stdout, await stderr, kb);
        }
        finally
        {
            File.Delete(rssFile);
        }
    }
}
