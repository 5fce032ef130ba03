using System.Diagnostics;
using System.Globalization;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Bench;

/// <summary>
/// By-hand throughput check of RDB verification: <c>rdb-verify FILE [--deep] [--entries] [--crc-only]</c>.
/// Prints the summary, the time and MB/s, and the peak working set. Not a test: nothing is asserted.
/// </summary>
internal static class RdbVerifyBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync("usage: rdb-verify FILE [--deep] [--entries]").ConfigureAwait(false);
            return 2;
        }
        var path = args[0];
        var deep = args.Contains("--deep");
        var entries = args.Contains("--entries");
        var length = new FileInfo(path).Length;
        if (args.Contains("--crc-only")) return await CrcOnlyAsync(path, length).ConfigureAwait(false);

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        RdbSummary summary;
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
            if (entries)
            {
                var reader = new RdbReader(file);
                long valueBytes = 0;
                while (await reader.ReadNextAsync().ConfigureAwait(false) is { } entry) valueBytes += entry.Value!.Length;
                summary = reader.Summary;
                Console.WriteLine($"value bytes read: {valueBytes}");
            }
            else
            {
                summary = await RdbVerifier.VerifyAsync(file, deep).ConfigureAwait(false);
            }
        }
        catch (RdbFormatException ex)
        {
            Console.WriteLine($"INVALID after {watch.Elapsed.TotalSeconds:0.000} s: {ex.Message}");
            return 1;
        }
        watch.Stop();
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;

        var mb = length / 1e6;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(entries ? "entries" : deep ? "deep verify" : "verify")}: {mb:0.0} MB in {watch.Elapsed.TotalSeconds:0.000} s = {mb / watch.Elapsed.TotalSeconds:0} MB/s, CPU {cpu:0.000} s = {mb / cpu:0} MB/s per CPU second, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0} MB, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        Console.WriteLine($"version {summary.Magic}{summary.Version}, redis-ver {summary.RedisVersion}, keys {summary.Keys}, with expiry {summary.KeysWithExpiry}, checksum {(summary.ChecksumPresent ? "present" : "absent")}");
        foreach (var (db, keys) in summary.KeysPerDatabase.OrderBy(p => p.Key)) Console.WriteLine($"  db{db}: {keys}");
        return 0;
    }

    /// <summary>Reading plus CRC64 alone: the floor under the verifier's time.</summary>
    private static async Task<int> CrcOnlyAsync(string path, long length)
    {
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var buffer = new byte[1 << 20];
        ulong crc = 0;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous))
        {
            int read;
            while ((read = await file.ReadAsync(buffer).ConfigureAwait(false)) > 0) crc = Crc64.Update(crc, buffer.AsSpan(0, read));
        }
        var mb = length / 1e6;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read + crc64: {mb:0.0} MB in {watch.Elapsed.TotalSeconds:0.000} s = {mb / watch.Elapsed.TotalSeconds:0} MB/s, {mb / (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds:0} MB/s per CPU second (crc 0x{crc:X16})"));
        return 0;
    }
}
