using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Bench;

/// <summary>What a child run reports back to the parent (one JSON line on stdout).</summary>
internal sealed record ChildResult
{
    public double Seconds { get; init; }
    public long? PeakRssKb { get; init; }
    public string? Path { get; init; }
    public long? Keys { get; init; }
    public long? Bytes { get; init; }
    public string? Detail { get; init; }
    public string? Phases { get; init; }
    public string? Error { get; init; }
}

/// <summary>
/// Records when each step announcement of an operation arrives (synchronously, on the reporting thread), so the
/// report can say where the time went: "exporting 4.10 s, verifying 0.90 s".
/// </summary>
internal sealed class StepClock(Stopwatch clock) : IProgress<OperationProgress>
{
    private readonly List<(TimeSpan At, string Step)> _steps = [];

    public void Report(OperationProgress value)
    {
        if (!value.IsStep) return;
        lock (_steps) _steps.Add((clock.Elapsed, Shorten(value.Status)));
    }

    public string? Describe()
    {
        lock (_steps)
        {
            if (_steps.Count == 0) return null;
            var end = clock.Elapsed;
            return string.Join(", ", _steps.Select((s, i) =>
                $"{s.Step} {((i + 1 < _steps.Count ? _steps[i + 1].At : end) - s.At).TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s"));
        }
    }

    // "Step 1/2: exporting keys into 2026-....jsonl.gz" -> "exporting keys"; "Scanning database 1" stays.
    private static string Shorten(string status)
    {
        var text = status;
        if (text.StartsWith("Step ", StringComparison.Ordinal) && text.IndexOf(": ", StringComparison.Ordinal) is var colon and > 0)
            text = text[(colon + 2)..];
        if (text.IndexOf(" into ", StringComparison.Ordinal) is var into and > 0) text = text[..into];
        return string.Join(' ', text.Split(' ').TakeWhile(w => !w.Contains('.', StringComparison.Ordinal)).Take(3)).TrimEnd(':', ',');
    }
}

/// <summary>
/// The measured side runs in a child process (this program re-invoked with --child), so its peak RSS is the tool's own:
/// `backup` (key-level, optionally --exact) and `restore` through the engine operations, `snapshot` through
/// ReplicationSnapshot.DownloadAsync, `verify` through RdbVerifier, `verify-backup` through VerifyOperation. The child times only the engine call and reports
/// that, its VmHWM and what it produced.
/// </summary>
internal static class ChildMode
{
    public const string Marker = "BENCH-RESULT ";

    public static async Task<int> RunAsync(string[] args)
    {
        var op = args[1];
        string Value(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"--child {op} needs {name}");
        }
        RedisEndpoint Endpoint() => new() { Host = "127.0.0.1", Port = int.Parse(Value("--port"), CultureInfo.InvariantCulture), CommandTimeout = TimeSpan.FromMinutes(10) };

        var clock = new Stopwatch();
        var steps = new StepClock(clock);
        ChildResult result;
        try
        {
            switch (op)
            {
                case "backup":
                {
                    var request = new BackupRequest { Kind = RedisBackup.Engine.Model.BackupKind.KeyLevel, Endpoint = Endpoint(), Directory = Value("--dir"), Exact = args.Contains("--exact") };
                    clock.Start();
                    var outcome = await BackupOperation.RunAsync(request, steps).ConfigureAwait(false);
                    clock.Stop();
                    result = new ChildResult { Path = outcome.Backup.Path, Keys = outcome.Backup.KeyCount, Bytes = outcome.Backup.SizeBytes };
                    break;
                }
                case "restore":
                {
                    var request = new RestoreRequest { Path = Value("--file"), Endpoint = Endpoint() };
                    clock.Start();
                    var outcome = await RestoreOperation.RunAsync(request, steps).ConfigureAwait(false);
                    clock.Stop();
                    result = new ChildResult
                    {
                        Keys = outcome.Restored,
                        Detail = $"restored {outcome.Restored}, skipped {outcome.Skipped}, expired {outcome.Expired}, failed {outcome.Failed}"
                            + (outcome.Failures.Count > 0 ? $"; first failure: {outcome.Failures[0].Key}: {outcome.Failures[0].Reason}" : ""),
                        Error = outcome.Failed > 0 ? $"{outcome.Failed} keys failed to restore" : null,
                    };
                    break;
                }
                case "snapshot":
                {
                    var path = Value("--file");
                    await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                    clock.Start();
                    var info = await ReplicationSnapshot.DownloadAsync(Endpoint(), file, null, CancellationToken.None).ConfigureAwait(false);
                    file.Flush(flushToDisk: true); // redis-cli --rdb fsyncs its file too
                    clock.Stop();
                    result = new ChildResult { Path = path, Bytes = info.Bytes, Detail = info.Diskless ? "diskless" : "disk" };
                    break;
                }
                case "verify":
                {
                    var path = Value("--file");
                    await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
                    clock.Start();
                    var summary = await RdbVerifier.VerifyAsync(file).ConfigureAwait(false);
                    clock.Stop();
                    result = new ChildResult { Path = path, Keys = summary.Keys, Bytes = new FileInfo(path).Length, Detail = $"RDB v{summary.Version}, {summary.Keys} keys" };
                    break;
                }
                case "verify-backup":
                {
                    // What `redis-backup verify FILE` does: the checksum (when recorded) and a full structural walk.
                    var path = Value("--file");
                    clock.Start();
                    var verify = await VerifyOperation.RunAsync(path).ConfigureAwait(false);
                    clock.Stop();
                    result = new ChildResult
                    {
                        Path = path, Keys = verify.KeyCount, Bytes = new FileInfo(path).Length,
                        Error = verify.IsValid ? null : "verification failed: " + string.Join("; ", verify.Problems),
                    };
                    break;
                }
                default:
                    throw new ArgumentException($"Unknown child operation '{op}'.");
            }
        }
        catch (NotImplementedException)
        {
            result = new ChildResult { Error = "not implemented in the engine yet" };
        }
#pragma warning disable CA1031 // The child reports any failure to the parent as data.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            result = new ChildResult { Error = $"{ex.GetType().Name}: {ex.Message}" };
        }

        result = result with { Seconds = clock.Elapsed.TotalSeconds, PeakRssKb = ReadVmHwmKb(), Phases = steps.Describe() };
        Console.Out.WriteLine(Marker + JsonSerializer.Serialize(result));
        return result.Error is null ? 0 : 1;
    }

    /// <summary>Peak resident set size of this process so far (Linux), in kB.</summary>
    private static long? ReadVmHwmKb()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                var digits = new string(line.Where(char.IsAsciiDigit).ToArray());
                return long.Parse(digits, CultureInfo.InvariantCulture);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>Runs this program as a child with --child and the given arguments; returns the child's report and its wall time/RSS.</summary>
    public static async Task<(ChildResult Report, ProcessResult Process)> InvokeAsync(IReadOnlyList<string> childArgs, CancellationToken ct)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this program's path.");
        var args = new List<string>();
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            args.Add(typeof(ChildMode).Assembly.Location);
        args.Add("--child");
        args.AddRange(childArgs);
        var process = await ProcessRunner.RunAsync(self, args, ct).ConfigureAwait(false);
        var line = process.Stdout.Split('\n').LastOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        var report = line is null
            ? new ChildResult { Error = $"child exited {process.ExitCode} without a report: {Tail(process.Stderr + process.Stdout)}" }
            : JsonSerializer.Deserialize<ChildResult>(line[Marker.Length..]) ?? new ChildResult { Error = "empty child report" };
        return (report, process);
    }

    private static string Tail(string text) => text.Length <= 400 ? text.Trim() : "…" + text[^400..].Trim();
}
