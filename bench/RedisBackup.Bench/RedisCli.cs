using System.Text.RegularExpressions;

namespace RedisBackup.Bench;

/// <summary>The redis-cli runs of the benchmark: loading the dataset and the two baselines (--rdb, --pipe).</summary>
internal static partial class RedisCli
{
    /// <summary>`redis-cli --pipe` with the commands written by <paramref name="writer"/>; fails on any error reply.</summary>
    public static async Task<ProcessResult> PipeAsync(RedisServer server, Func<Stream, CancellationToken, Task> writer, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync("redis-cli", ["-p", server.PortText, "--pipe"], ct, stdinWriter: writer).ConfigureAwait(false);
        CheckPipe(result);
        return result;
    }

    /// <summary>`redis-cli --pipe &lt; file` (the restore baseline); fails on any error reply.</summary>
    public static async Task<ProcessResult> PipeFileAsync(RedisServer server, string file, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync("redis-cli", ["-p", server.PortText, "--pipe"], ct, stdinFile: file).ConfigureAwait(false);
        CheckPipe(result);
        return result;
    }

    /// <summary>`redis-cli --rdb FILE` (the snapshot baseline).</summary>
    public static async Task<ProcessResult> RdbAsync(RedisServer server, string file, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync("redis-cli", ["-p", server.PortText, "--rdb", file], ct).ConfigureAwait(false);
        if (result.ExitCode != 0 || !File.Exists(file))
            throw new InvalidOperationException($"redis-cli --rdb failed ({result.ExitCode}): {result.Stderr}{result.Stdout}");
        return result;
    }

    private static void CheckPipe(ProcessResult result)
    {
        var match = PipeSummary().Match(result.Stdout);
        if (result.ExitCode != 0 || !match.Success || match.Groups[1].Value != "0")
            throw new InvalidOperationException($"redis-cli --pipe failed (exit {result.ExitCode}): {result.Stdout.Trim()} {result.Stderr.Trim()}");
    }

    [GeneratedRegex(@"errors: (\d+), replies: (\d+)")]
    private static partial Regex PipeSummary();
}
