using System.Diagnostics;
using System.Globalization;

namespace RedisBackup.Bench;

/// <summary>The outcome of one external process run: exit code, output, wall time and peak RSS.</summary>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, double Seconds, long? PeakRssKb);

/// <summary>
/// Runs an external command, timing its wall clock and (where GNU time is installed at /usr/bin/time) its peak RSS.
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
        if (rssFile is not null) command.AddRange([GnuTime, "-f", "%M", "-o", rssFile]);
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
        if (rssFile is not null)
        {
            try
            {
                // GNU time appends its line after anything else; a killed child may leave a "Command terminated" line first.
                var last = File.ReadAllLines(rssFile).LastOrDefault(l => l.Length > 0);
                if (long.TryParse(last, NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb)) rss = kb;
            }
            catch (IOException) { }
            finally { File.Delete(rssFile); }
        }
        return new ProcessResult(process.ExitCode, output, errors, clock.Elapsed.TotalSeconds, rss);
    }
}
