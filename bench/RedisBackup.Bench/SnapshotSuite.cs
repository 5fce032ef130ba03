using System.Globalization;

namespace RedisBackup.Bench;

/// <summary>
/// Issue 3's benchmark: a server filled by DEBUG POPULATE to about the requested size (rdbcompression off, so the
/// RDB is that big too); run by run, `redis-cli --rdb` against our ReplicationSnapshot.DownloadAsync; then RdbVerifier
/// over our file (throughput, key count against the server). Peak RSS of each of our children.
/// </summary>
internal sealed class SnapshotSuite(BenchOptions options, Report report, string workDir)
{
    private const int ValueSize = 10_000;
    private const double SnapshotTarget = 1.15, VerifyTargetMbps = 300, RssTargetMb = 200;

    public async Task RunAsync(CancellationToken ct)
    {
        await using var server = await BenchServer.StartAsync("snapshot", workDir, ct, "--rdbcompression", "no");
        report.RedisVersion = await server.VersionTextAsync(ct);
        var count = (long)Math.Max(1, options.SnapshotGb * 1e9 / ValueSize);
        Console.WriteLine($"Snapshot dataset: DEBUG POPULATE {count:N0} keys of {ValueSize:N0} bytes (~{count * (double)ValueSize / 1e9:0.00} GB) ...");
        await server.ExecuteAsync(ct, "DEBUG", "POPULATE", count, "snap", ValueSize);
        var keys = await server.TotalKeysAsync(ct);
        report.Dataset["snapshotKeys"] = keys.ToString(CultureInfo.InvariantCulture);
        report.Dataset["snapshotValueBytes"] = ValueSize.ToString(CultureInfo.InvariantCulture);

        var cliCpu = new List<double>();
        var ourCpu = new List<double>();
        var cliSeconds = new List<double>();
        var cliRss = new List<long?>();
        var ourSeconds = new List<double>();
        var ourRss = new List<long?>();
        string? error = null;
        string? ourFile = null;
        long rdbBytes = 0;
        for (var run = 1; run <= options.Runs; run++)
        {
            Console.WriteLine($"Snapshot run {run}/{options.Runs} ...");
            var cliFile = Path.Combine(workDir, $"snapshot-cli-{run}.rdb");
            var cpuBefore = server.CpuSeconds();
            var cli = await RedisCli.RdbAsync(server, cliFile, ct);
            if (await server.TotalCpuSinceAsync(cpuBefore, cli.CpuSeconds, ct) is { } c1) cliCpu.Add(c1);
            cliSeconds.Add(cli.Seconds);
            cliRss.Add(cli.PeakRssKb);
            rdbBytes = new FileInfo(cliFile).Length;
            File.Delete(cliFile);
            Console.WriteLine($"  redis-cli --rdb: {cli.Seconds:0.000} s, {rdbBytes / 1048576.0:0.0} MB");

            var file = Path.Combine(workDir, $"snapshot-ours-{run}.rdb");
            cpuBefore = server.CpuSeconds();
            var (child, process) = await ChildMode.InvokeAsync(["snapshot", "--port", server.PortText, "--file", file], ct);
            var ourTotalCpu = await server.TotalCpuSinceAsync(cpuBefore, process.CpuSeconds, ct);
            if (child.Error is not null)
            {
                error = child.Error;
                Console.WriteLine($"  our snapshot: ERROR {child.Error}");
                if (File.Exists(file)) File.Delete(file);
                continue;
            }
            ourSeconds.Add(child.Seconds);
            if (ourTotalCpu is { } c2) ourCpu.Add(c2);
            ourRss.Add(Max(child.PeakRssKb, process.PeakRssKb));
            if (ourFile is not null && ourFile != file) File.Delete(ourFile);
            ourFile = file;
            Console.WriteLine($"  our snapshot: {child.Seconds:0.000} s (process {process.Seconds:0.000} s, CPU {process.CpuSeconds:0.00} s), {Stats.Mb(Max(child.PeakRssKb, process.PeakRssKb)):0.0} MB peak RSS, {new FileInfo(file).Length / 1048576.0:0.0} MB ({child.Detail})");
        }
        report.Dataset["snapshotRdbMb"] = (rdbBytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);

        var o = Stats.Median(ourSeconds);
        var b = Stats.Median(cliSeconds);
        report.Add(new Measurement
        {
            Name = $"Replication snapshot ({rdbBytes / 1e9:0.00} GB RDB)",
            Unit = "s",
            Ours = o,
            Baseline = b,
            BaselineName = "redis-cli --rdb",
            Ratio = Stats.Ratio(o, b),
            Target = $"<= {SnapshotTarget:0.00}x",
            Pass = error is null && Stats.Ratio(o, b) <= SnapshotTarget,
            Samples = ourSeconds,
            BaselineSamples = cliSeconds,
            Note = error,
        });
        report.Add(new Measurement
        {
            Name = "CPU (tool + server), replication snapshot",
            Unit = "s",
            Ours = Stats.Median(ourCpu),
            Baseline = Stats.Median(cliCpu),
            BaselineName = "redis-cli --rdb",
            Ratio = Stats.Ratio(Stats.Median(ourCpu), Stats.Median(cliCpu)),
            Target = "(no target)",
            Samples = ourCpu,
            BaselineSamples = cliCpu,
        });
        var rss = Stats.MaxMb(ourRss);
        report.Add(new Measurement
        {
            Name = "Peak RSS, replication snapshot",
            Unit = "MB",
            Ours = rss,
            Baseline = Stats.MaxMb(cliRss),
            BaselineName = "redis-cli --rdb",
            Target = $"< {RssTargetMb:0} MB",
            Pass = error is null && rss < RssTargetMb,
            Note = error,
        });

        await VerifyAsync(server, ourFile, keys, ct);
    }

    private async Task VerifyAsync(RedisServer server, string? file, long serverKeys, CancellationToken ct)
    {
        // Without our own snapshot, verify a redis-cli one so the verifier is still measured.
        var fromCli = file is null;
        if (fromCli)
        {
            file = Path.Combine(workDir, "snapshot-cli-verify.rdb");
            await RedisCli.RdbAsync(server, file, ct);
        }
        var speeds = new List<double>();
        var cpuSpeeds = new List<double>();
        var rss = new List<long?>();
        string? error = null;
        long? keys = null;
        for (var run = 1; run <= options.Runs; run++)
        {
            var (child, process) = await ChildMode.InvokeAsync(["verify", "--file", file!], ct);
            if (child.Error is not null)
            {
                error = child.Error;
                Console.WriteLine($"  RDB verify: ERROR {child.Error}");
                break;
            }
            keys = child.Keys;
            var mbps = child.Bytes!.Value / 1048576.0 / child.Seconds;
            speeds.Add(mbps);
            if (process.CpuSeconds is > 0) cpuSpeeds.Add(child.Bytes!.Value / 1048576.0 / process.CpuSeconds.Value);
            rss.Add(Max(child.PeakRssKb, process.PeakRssKb));
            Console.WriteLine($"  RDB verify: {child.Seconds:0.000} s = {mbps:0} MB/s (process CPU {process.CpuSeconds:0.00} s), {Stats.Mb(Max(child.PeakRssKb, process.PeakRssKb)):0.0} MB peak RSS, {child.Detail}");
        }
        if (error is null && keys != serverKeys) error = $"the verifier counted {keys} keys, the server holds {serverKeys}";
        var speed = Stats.Median(speeds);
        report.Add(new Measurement
        {
            Name = "RDB verification throughput" + (fromCli ? " (redis-cli file)" : ""),
            Unit = "MB/s",
            Ours = speed,
            Target = $">= {VerifyTargetMbps:0} MB/s",
            Pass = error is null && speed >= VerifyTargetMbps,
            Samples = speeds,
            Note = error ?? $"key count {keys:N0} matches the server"
                + (cpuSpeeds.Count > 0 ? $"; per CPU second of the whole child process: {Stats.Median(cpuSpeeds):0} MB" : ""),
        });
        var peak = Stats.MaxMb(rss);
        report.Add(new Measurement
        {
            Name = "Peak RSS, RDB verification",
            Unit = "MB",
            Ours = peak,
            Target = $"< {RssTargetMb:0} MB",
            Pass = error is null && peak < RssTargetMb,
        });
        if (!options.KeepFiles) File.Delete(file!);
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
