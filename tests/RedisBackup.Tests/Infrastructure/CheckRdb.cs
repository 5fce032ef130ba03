using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace RedisBackup.Tests.Infrastructure;

/// <summary>What redis-check-rdb / valkey-check-rdb said about a file.</summary>
public sealed record CheckRdbReport(bool Ok, long KeysRead, long Expires, string Output);

/// <summary>
/// Runs the RDB checker of a server build on a file. The builds under ../shared/servers ship it as a link to the server
/// binary, which picks its role from the name it is started under; a symbolic link of that name in a temporary folder
/// starts it as the checker.
/// </summary>
public static partial class CheckRdb
{
    public static async Task<CheckRdbReport> RunAsync(ServerVersion version, string rdbFile)
    {
        ArgumentNullException.ThrowIfNull(version);
        var name = version.IsValkey ? "valkey-check-rdb" : "redis-check-rdb";
        string executable;
        string? linkDir = null;
        if (version.Folder is null)
        {
            executable = name; // the apt package installs redis-check-rdb on PATH
        }
        else
        {
            linkDir = Path.Combine(Path.GetTempPath(), "redisbackup-tests", "check-rdb-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(linkDir);
            executable = Path.Combine(linkDir, name);
            File.CreateSymbolicLink(executable, version.ServerPath);
        }
        try
        {
            var psi = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(rdbFile);
            using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{executable} did not start.");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(deadline.Token);
            var output = await stdout + await stderr;
            return new CheckRdbReport(
                process.ExitCode == 0 && output.Contains("RDB looks OK", StringComparison.Ordinal),
                Number(KeysRead(), output),
                Number(Expires(), output),
                output);
        }
        finally
        {
            if (linkDir is not null) Directory.Delete(linkDir, recursive: true);
        }
    }

    private static long Number(Regex pattern, string output)
    {
        var m = pattern.Match(output);
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    [GeneratedRegex(@"\[info\] (\d+) keys read")]
    private static partial Regex KeysRead();

    [GeneratedRegex(@"\[info\] (\d+) expires")]
    private static partial Regex Expires();
}
