using System.Diagnostics;
using System.Globalization;
using RedisBackup.Tests.Cli;

namespace RedisBackup.Tests.Decode;

/// <summary>
/// Runs the real CLI (<c>dotnet redis-backup.dll …</c>) as a child process and measures its peak resident set size, the
/// one way memory is measured everywhere: GNU time's maximum RSS where /usr/bin/time exists, otherwise the child's
/// VmHWM (the kernel's high-water mark) read from /proc while it runs.
/// </summary>
internal static class ChildPeakRss
{
    private const string GnuTime = "/usr/bin/time";

    public static async Task<(CliOutcome Outcome, long PeakRssKb)> RunCliAsync(TimeSpan timeout, params string[] args)
    {
        var useTime = File.Exists(GnuTime);
        var rssFile = Path.Combine(Path.GetTempPath(), $"redisbackup-rss-{Guid.NewGuid():N}.txt");
        var psi = new ProcessStartInfo(useTime ? GnuTime : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (useTime)
            foreach (var a in new[] { "-f", "%M", "-o", rssFile, "dotnet" }) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(CliRun.DllPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("REDISCLI_AUTH");
        psi.Environment.Remove("REDISBACKUP_PATH");
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long polled = 0;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (!process.HasExited)
            {
                if (!useTime) polled = Math.Max(polled, ReadVmHwmKb(process.Id));
                await Task.Delay(20, cts.Token);
            }
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"redis-backup {string.Join(' ', args)} did not finish within {timeout}.");
        }
        var outcome = new CliOutcome(process.ExitCode, await stdout, await stderr);
        if (!useTime) return (outcome, polled);
        try
        {
            var text = (await File.ReadAllTextAsync(rssFile)).Trim().Split('\n')[^1];
            return (outcome, long.Parse(text, CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(rssFile);
        }
    }

    private static long ReadVmHwmKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(new string(line.Where(char.IsAsciiDigit).ToArray()), CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }
}
