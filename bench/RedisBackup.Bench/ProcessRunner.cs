using System.Diagnostics;
using System.Globalization;

namespace RedisBackup.Bench;

/// <summary>The outcome of one external process run: exit code, output, wall time and peak RSS.</summary>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, double Seconds, long? PeakRssKb, double? CpuSeconds);

/// <summary>
/// Runs an external command, timing its wall clock and (where GNU time is installed at /usr/bin/time) its peak RSS
/// and CPU time (user + system).
/// Standard input can come from a file (redirected by the shell, so the command reads the file itself) or from a writer.
/// Cancellation kills the whole process tree.
/// </summary>
internal static class ProcessRunner
{
    private const string GnuTime = "/usr/bin/time";

    public static bool CanMeasureRss => File.Exists(GnuTime);

    public static async Task<ProcessResult> RunAsync(
        string program,
        IReadOnlyList<string> args,
        CancellationToken ct,
        string? stdinFile = null,
        Func<Stream, CancellationToken, Task>? stdinWriter = null)
    {
        string? rssFile = CanMeasureRss ? Path.Combine(Path.GetTempPath(), $"bench-rss-{Guid.NewGuid():N}.txt") : null;
        var command = new List<string>();
        if (rssFile is not null) command.AddRange([GnuTime, "-f", "%M %U %S", "-o", rssFile]);
        command.Add(program);
        command.AddRange(args);

        var psi = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdinWriter is not null,
        };
        if (stdinFile is not null)
        {
            // The shell opens the file and execs the command, so the measured program reads it directly.
            psi.FileName = "/bin/sh";
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("exec \"$@\" < \"$BENCH_STDIN\"");
            psi.ArgumentList.Add("sh");
            psi.Environment["BENCH_STDIN"] = stdinFile;
            foreach (var a in command) psi.ArgumentList.Add(a);
        }
        else
        {
            psi.FileName = command[0];
            foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {program}.");
        using var kill = ct.Register(() =>
        {
            try { process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
        });
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (stdinWriter is not null)
        {
            var input = process.StandardInput.BaseStream;
            try
            {
                await stdinWriter(input, ct).ConfigureAwait(false);
            }
            finally
            {
                try { input.Close(); } catch (IOException) { }
            }
        }
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        clock.Stop();
        ct.ThrowIfCancellationRequested();
        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);

        long? rss = null;
        double? cpu = null;
        if (rssFile is not null)
        {
            try
            {
                // GNU time writes its line last; a failed command leaves a "Command exited with ..." line before it.
                var fields = (File.ReadAllLines(rssFile).LastOrDefault(l => l.Length > 0) ?? "").Split(' ');
                if (fields.Length == 3
                    && long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb)
                    && double.TryParse(fields[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var user)
                    && double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var system))
                {
                    rss = kb;
                    cpu = user + system;
                }
            }
            catch (IOException) { }
            finally { File.Delete(rssFile); }
        }
        return new ProcessResult(process.ExitCode, output, errors, clock.Elapsed.TotalSeconds, rss, cpu);
    }
}
