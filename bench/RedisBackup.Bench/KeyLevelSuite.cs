using System.Globalization;

namespace RedisBackup.Bench;

/// <summary>
/// Issue 2's benchmark: load the deterministic dataset, then, run by run, time `redis-cli --rdb` against our
/// key-level backup (--exact and logical), and `redis-cli --pipe` of the equivalent RESTORE stream against our
/// restore of each backup into a fresh empty server. Every restore is checked identical to the source.
/// </summary>
internal sealed class KeyLevelSuite(BenchOptions options, Report report, string workDir)
{
    private const double ExactTarget = 2.0, LogicalTarget = 4.0, RestoreTarget = 1.5, RssTargetMb = 300;

    /// <summary>Everything measured for one side of a comparison over the runs.</summary>
    private sealed class Side
    {
        public List<double> Seconds { get; } = [];
        public List<double> ProcessSeconds { get; } = [];
        public List<double> CpuSeconds { get; } = [];
        public List<double> TotalCpu { get; } = [];
        public List<long?> RssKb { get; } = [];
        public List<string> Errors { get; } = [];
        public List<string> Verdicts { get; } = [];
        public string? Phases { get; set; }
        public string? File { get; set; }

        public void AddCpu(double? total)
        {
            if (total is { } t) TotalCpu.Add(t);
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        await using var source = await BenchServer.StartAsync("source", workDir, ct);
        report.RedisVersion = await source.VersionTextAsync(ct);

        Console.WriteLine($"Loading {options.Keys:N0} mixed keys + {options.Vectors:N0} vector hashes (seed {options.Seed}) with redis-cli --pipe ...");
        var generator = new DatasetGenerator(options.Keys, options.Vectors, options.Seed);
        var load = await RedisCli.PipeAsync(source, async (stdin, token) =>
        {
            await using var buffered = new BufferedStream(stdin, 1 << 20);
            await Task.Run(() => generator.Write(buffered), token);
        }, ct);
        var keys = await source.TotalKeysAsync(ct);
        var expected = options.Keys + options.Vectors;
        if (keys != expected) throw new InvalidOperationException($"The source holds {keys} keys after loading, expected {expected}.");
        var usedMb = await source.UsedMemoryAsync(ct) / 1048576.0;
        Console.WriteLine($"  loaded {keys:N0} keys ({generator.KeysWithTtl:N0} with TTL) in {load.Seconds:0.00} s; used_memory {usedMb:0.0} MB");
        report.Dataset["keys"] = keys.ToString(CultureInfo.InvariantCulture);
        report.Dataset["mixedKeys"] = options.Keys.ToString(CultureInfo.InvariantCulture);
        report.Dataset["vectorKeys"] = options.Vectors.ToString(CultureInfo.InvariantCulture);
        report.Dataset["keysWithTtl"] = generator.KeysWithTtl.ToString(CultureInfo.InvariantCulture);
        report.Dataset["usedMemoryMb"] = usedMb.ToString("0.0", CultureInfo.InvariantCulture);
        report.Dataset["loadSeconds"] = load.Seconds.ToString("0.00", CultureInfo.InvariantCulture);
        report.Dataset["sourceDigest"] = await source.DigestAsync(ct);
        var sample = await RoundTripCheck.SampleAsync(source, ct);

        Console.WriteLine("Building the restore baseline's RESTORE stream (DUMP + PTTL of every key, not timed) ...");
        var restoreStream = Path.Combine(workDir, "restore-baseline.resp");
        var restoreKeys = await RestoreStreamBuilder.WriteAsync(source, restoreStream, ct);
        report.Dataset["restoreStreamMb"] = (new FileInfo(restoreStream).Length / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
        if (restoreKeys != keys) throw new InvalidOperationException($"The RESTORE stream holds {restoreKeys} keys, the source {keys}.");

        // Backups: baseline and ours interleaved in every run, so machine noise spreads over both.
        var rdb = new Side();
        var exact = new Side();
        var logical = new Side();
        for (var run = 1; run <= options.Runs; run++)
        {
            Console.WriteLine($"Backup run {run}/{options.Runs} ...");
            var rdbFile = Path.Combine(workDir, $"baseline-{run}.rdb");
            var cpuBefore = source.CpuSeconds();
            var cli = await RedisCli.RdbAsync(source, rdbFile, ct);
            rdb.AddCpu(await source.TotalCpuSinceAsync(cpuBefore, cli.CpuSeconds, ct));
            rdb.Seconds.Add(cli.Seconds);
            rdb.RssKb.Add(cli.PeakRssKb);
            report.Dataset["rdbFileMb"] = (new FileInfo(rdbFile).Length / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
            File.Delete(rdbFile);
            Console.WriteLine($"  redis-cli --rdb: {cli.Seconds:0.000} s");

            await BackupAsync(exact, source, run, exactMode: true, ct);
            await BackupAsync(logical, source, run, exactMode: false, ct);
        }

        // Restores, each into a fresh empty server, each checked against the source.
        var pipe = new Side();
        var fromLogical = new Side();
        var fromExact = new Side();
        for (var run = 1; run <= options.Runs; run++)
        {
            Console.WriteLine($"Restore run {run}/{options.Runs} ...");
            await using (var target = await BenchServer.StartAsync("restore-baseline", workDir, ct))
            {
                var cpuBefore = target.CpuSeconds();
                var cli = await RedisCli.PipeFileAsync(target, restoreStream, ct);
                pipe.AddCpu(await target.TotalCpuSinceAsync(cpuBefore, cli.CpuSeconds, ct));
                pipe.Seconds.Add(cli.Seconds);
                pipe.RssKb.Add(cli.PeakRssKb);
                var verdict = await RoundTripCheck.CompareAsync(source, target, sample, ct);
                Console.WriteLine($"  redis-cli --pipe RESTORE: {cli.Seconds:0.000} s; {(verdict.Identical ? "identical" : "DIFFERENT")}: {verdict.Detail}");
                Record(pipe, verdict);
            }
            await RestoreAsync(fromLogical, logical.File, "logical", source, sample, ct);
            await RestoreAsync(fromExact, exact.File, "exact", source, sample, ct);
        }

        AddTime("Backup --exact (key-level, DUMP payloads)", exact, rdb, "redis-cli --rdb", ExactTarget);
        AddTime("Backup logical (key-level, JSON Lines)", logical, rdb, "redis-cli --rdb", LogicalTarget);
        AddTime("Restore of the logical backup", fromLogical, pipe, "redis-cli --pipe RESTOREs", RestoreTarget);
        AddTime("Restore of the --exact backup", fromExact, pipe, "redis-cli --pipe RESTOREs", RestoreTarget);
        AddCpu("CPU (tool + server), backup --exact", exact, rdb, "redis-cli --rdb");
        AddCpu("CPU (tool + server), backup logical", logical, rdb, "redis-cli --rdb");
        AddCpu("CPU (tool + server), restore logical", fromLogical, pipe, "redis-cli --pipe");
        AddCpu("CPU (tool + server), restore --exact", fromExact, pipe, "redis-cli --pipe");
        AddRss("Peak RSS, backup --exact", exact, rdb, "redis-cli --rdb");
        AddRss("Peak RSS, backup logical", logical, rdb, "redis-cli --rdb");
        AddRss("Peak RSS, restore logical", fromLogical, pipe, "redis-cli --pipe");
        AddRss("Peak RSS, restore --exact", fromExact, pipe, "redis-cli --pipe");
        AddRoundTrip("Round trip identical, logical", fromLogical);
        AddRoundTrip("Round trip identical, --exact", fromExact);
        AddRoundTrip("Round trip identical, baseline RESTORE stream", pipe);
    }

    private async Task BackupAsync(Side side, RedisServer source, int run, bool exactMode, CancellationToken ct)
    {
        var name = exactMode ? "exact" : "logical";
        var dir = Path.Combine(workDir, $"{name}-{run}");
        var args = new List<string> { "backup", "--port", source.PortText, "--dir", dir };
        if (exactMode) args.Add("--exact");
        var cpuBefore = source.CpuSeconds();
        var (child, process) = await ChildMode.InvokeAsync(args, ct);
        var totalCpu = await source.TotalCpuSinceAsync(cpuBefore, process.CpuSeconds, ct);
        if (child.Error is not null)
        {
            side.Errors.Add(child.Error);
            Console.WriteLine($"  our backup ({name}): ERROR {child.Error}");
            return;
        }
        side.Seconds.Add(child.Seconds);
        side.ProcessSeconds.Add(process.Seconds);
        if (process.CpuSeconds is { } cpu) side.CpuSeconds.Add(cpu);
        side.RssKb.Add(Max(child.PeakRssKb, process.PeakRssKb));
        side.Phases = child.Phases;
        side.AddCpu(totalCpu);
        if (side.File is not null && side.File != child.Path && !options.KeepFiles) TryDelete(side.File);
        side.File = child.Path;
        Console.WriteLine($"  our backup ({name}): {child.Seconds:0.000} s (process {process.Seconds:0.000} s, CPU {process.CpuSeconds:0.00} s), {Stats.Mb(Max(child.PeakRssKb, process.PeakRssKb)):0.0} MB peak RSS, {child.Bytes / 1048576.0:0.0} MB file; {child.Phases}");
    }

    private async Task RestoreAsync(Side side, string? backupFile, string name, RedisServer source, IReadOnlyList<(int, byte[])> sample, CancellationToken ct)
    {
        if (backupFile is null)
        {
            side.Errors.Add("no backup file to restore (the backup failed)");
            return;
        }
        await using var target = await BenchServer.StartAsync("restore-" + name, workDir, ct);
        var cpuBefore = target.CpuSeconds();
        var (child, process) = await ChildMode.InvokeAsync(["restore", "--port", target.PortText, "--file", backupFile], ct);
        var totalCpu = await target.TotalCpuSinceAsync(cpuBefore, process.CpuSeconds, ct);
        if (child.Error is not null)
        {
            side.Errors.Add(child.Error + (child.Detail is null ? "" : $" ({child.Detail})"));
            Console.WriteLine($"  our restore ({name}): ERROR {child.Error} {child.Detail}");
        }
        else
        {
            side.Seconds.Add(child.Seconds);
            side.ProcessSeconds.Add(process.Seconds);
            if (process.CpuSeconds is { } cpu) side.CpuSeconds.Add(cpu);
            side.RssKb.Add(Max(child.PeakRssKb, process.PeakRssKb));
            side.Phases = child.Phases;
            side.AddCpu(totalCpu);
        }
        var verdict = await RoundTripCheck.CompareAsync(source, target, sample, ct);
        Record(side, verdict);
        Console.WriteLine($"  our restore ({name}): {child.Seconds:0.000} s (process {process.Seconds:0.000} s, CPU {process.CpuSeconds:0.00} s), {Stats.Mb(Max(child.PeakRssKb, process.PeakRssKb)):0.0} MB peak RSS; {child.Phases}; {(verdict.Identical ? "identical" : "DIFFERENT")}: {verdict.Detail}");
    }

    private static void Record(Side side, RoundTripVerdict verdict)
        => side.Verdicts.Add(verdict.Identical ? "" : verdict.Detail);

    private void AddTime(string name, Side ours, Side baseline, string baselineName, double target)
    {
        var o = Stats.Median(ours.Seconds);
        var b = Stats.Median(baseline.Seconds);
        var ratio = Stats.Ratio(o, b);
        report.Add(new Measurement
        {
            Name = name,
            Unit = "s",
            Ours = o,
            Baseline = b,
            BaselineName = baselineName,
            Ratio = ratio,
            Target = $"<= {target:0.0#}x",
            Pass = ours.Errors.Count == 0 && ratio is not null && ratio <= target,
            Samples = ours.Seconds,
            BaselineSamples = baseline.Seconds,
            Note = ours.Errors.Count > 0 ? ours.Errors[0]
                : ours.ProcessSeconds.Count > 0 ? $"median of {ours.Seconds.Count}; whole child process incl. .NET start-up {Stats.Median(ours.ProcessSeconds):0.000} s"
                    + (ours.CpuSeconds.Count > 0 ? $", its CPU time (user+sys) {Stats.Median(ours.CpuSeconds):0.000} s" : "")
                    + (ours.Phases is null ? "" : $"; steps (last run): {ours.Phases}") : null,
        });
    }

    /// <summary>CPU seconds of client + server for the step: less sensitive to a busy machine than wall time. No target; for reading.</summary>
    private void AddCpu(string name, Side ours, Side baseline, string baselineName)
    {
        var o = Stats.Median(ours.TotalCpu);
        var b = Stats.Median(baseline.TotalCpu);
        report.Add(new Measurement
        {
            Name = name,
            Unit = "s",
            Ours = o,
            Baseline = b,
            BaselineName = baselineName,
            Ratio = Stats.Ratio(o, b),
            Target = "(no target)",
            Samples = ours.TotalCpu,
            BaselineSamples = baseline.TotalCpu,
        });
    }

    private void AddRss(string name, Side ours, Side baseline, string baselineName)
    {
        var o = Stats.MaxMb(ours.RssKb);
        report.Add(new Measurement
        {
            Name = name,
            Unit = "MB",
            Ours = o,
            Baseline = Stats.MaxMb(baseline.RssKb),
            BaselineName = baselineName,
            Target = $"< {RssTargetMb:0} MB",
            Pass = ours.Errors.Count == 0 && o is not null && o < RssTargetMb,
            Note = ours.Errors.Count > 0 ? ours.Errors[0] : null,
        });
    }

    private void AddRoundTrip(string name, Side side)
    {
        var bad = side.Verdicts.Where(v => v.Length > 0).ToList();
        var ok = side.Errors.Count == 0 && side.Verdicts.Count > 0 && bad.Count == 0;
        report.Add(new Measurement
        {
            Name = name,
            Unit = "",
            Ours = side.Verdicts.Count - bad.Count,
            BaselineName = $"of {side.Verdicts.Count} runs",
            Target = "DEBUG DIGEST + PTTL equal",
            Pass = ok,
            Note = bad.Count > 0 ? bad[0] : side.Errors.Count > 0 ? side.Errors[0] : null,
        });
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
    }
}
