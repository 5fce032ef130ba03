using System.Globalization;

namespace RedisBackup.Bench;

/// <summary>
/// Issue 13's scale series: for each size, a server holding that many small string keys (<c>DEBUG POPULATE N key 20</c>),
/// and every path of the tool over it, each beside its redis-cli baseline of the same run: key-level backup (logical and
/// --exact) and replication snapshot against <c>redis-cli --rdb</c>; restore of each key-level backup and live restore of
/// the snapshot against <c>redis-cli --pipe</c> of the same keys as RESTORE commands; verify of the logical backup and of
/// the snapshot. Each row has the wall time, keys/s, peak RSS, the ratio to the baseline and the server's own CPU time
/// (from /proc/PID/stat). For the exports that server CPU is the floor of the key-level method (the server must answer
/// SCAN, PTTL, DUMP or the reads, whatever the client does), and each export's time is shown as a multiple of it.
/// </summary>
internal sealed class ScaleSuite(BenchOptions options, Report report, string workDir)
{
    private const double RssLimitMb = 200;

    /// <summary>What one path measured over the runs.</summary>
    private sealed class Samples
    {
        public List<double> Seconds { get; } = [];
        public List<double> ProcessCpu { get; } = [];
        public List<double> ServerCpu { get; } = [];
        public List<long?> RssKb { get; } = [];
        public List<string> Errors { get; } = [];
        public List<string> Verdicts { get; } = [];
        public string? File { get; set; }
        public string? Phases { get; set; }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        foreach (var keys in options.Scale) await RunSizeAsync(keys, ct);
    }

    private async Task RunSizeAsync(long keys, CancellationToken ct)
    {
        var size = Label(keys);
        var dir = Path.Combine(workDir, $"scale-{size}");
        Directory.CreateDirectory(dir);
        await using var source = await BenchServer.StartAsync($"scale-{size}-source", workDir, ct);
        report.RedisVersion = await source.VersionTextAsync(ct);
        Console.WriteLine($"Scale {size}: DEBUG POPULATE {keys:N0} key 20 ...");
        var populateStart = DateTime.UtcNow;
        await source.ExecuteAsync(ct, "DEBUG", "POPULATE", keys, "key", 20);
        var loaded = await source.TotalKeysAsync(ct);
        if (loaded != keys) throw new InvalidOperationException($"The scale source holds {loaded} keys after DEBUG POPULATE {keys}.");
        Console.WriteLine($"  loaded in {(DateTime.UtcNow - populateStart).TotalSeconds:0.0} s; used_memory {await source.UsedMemoryAsync(ct) / 1048576.0:0} MB");
        var sample = await RoundTripCheck.SampleAsync(source, ct);

        Console.WriteLine("  building the --pipe baseline's RESTORE stream (DUMP + PTTL of every key, not timed) ...");
        var restoreStream = Path.Combine(dir, "restore-baseline.resp");
        if (await RestoreStreamBuilder.WriteAsync(source, restoreStream, ct) != keys)
            throw new InvalidOperationException("The RESTORE stream does not hold every key of the scale source.");

        var rdb = new Samples();
        var logical = new Samples();
        var exact = new Samples();
        var snapshot = new Samples();
        for (var run = 1; run <= options.Runs; run++)
        {
            Console.WriteLine($"  run {run}/{options.Runs}: exports and snapshot ...");
            var rdbFile = Path.Combine(dir, "baseline.rdb");
            var before = source.CpuSeconds();
            var cli = await RedisCli.RdbAsync(source, rdbFile, ct);
            rdb.Seconds.Add(cli.Seconds);
            rdb.RssKb.Add(cli.PeakRssKb);
            if (cli.CpuSeconds is { } cliCpu) rdb.ProcessCpu.Add(cliCpu);
            await Task.Delay(300, ct); // the server reaps its fork on a cron tick; its CPU is then in cutime/cstime
            if (Since(before, source.CpuSeconds()) is { } serverCpu) rdb.ServerCpu.Add(serverCpu);
            File.Delete(rdbFile);
            Console.WriteLine($"    redis-cli --rdb: {cli.Seconds:0.000} s");

            await ChildAsync(logical, "backup logical", source, ["backup", "--port", source.PortText, "--dir", Path.Combine(dir, $"logical-{run}")], ct);
            await ChildAsync(exact, "backup --exact", source, ["backup", "--port", source.PortText, "--dir", Path.Combine(dir, $"exact-{run}"), "--exact"], ct);
            var snapshotFile = Path.Combine(dir, $"snapshot-{run}.rdb");
            await ChildAsync(snapshot, "replication snapshot", source, ["snapshot", "--port", source.PortText, "--file", snapshotFile], ct);
        }

        var verifyLogical = new Samples();
        var verifyRdb = new Samples();
        for (var run = 1; run <= options.Runs; run++)
        {
            if (logical.File is { } lf) await ChildAsync(verifyLogical, "verify logical backup", null, ["verify-backup", "--file", lf], ct);
            if (snapshot.File is { } sf) await ChildAsync(verifyRdb, "verify snapshot", null, ["verify-backup", "--file", sf], ct);
        }

        var pipe = new Samples();
        var fromLogical = new Samples();
        var fromExact = new Samples();
        var fromRdb = new Samples();
        for (var run = 1; run <= options.Runs; run++)
        {
            Console.WriteLine($"  run {run}/{options.Runs}: restores ...");
            await using (var target = await BenchServer.StartAsync($"scale-{size}-pipe", workDir, ct))
            {
                var before = target.CpuSeconds();
                var cli = await RedisCli.PipeFileAsync(target, restoreStream, ct);
                pipe.Seconds.Add(cli.Seconds);
                pipe.RssKb.Add(cli.PeakRssKb);
                if (cli.CpuSeconds is { } cliCpu) pipe.ProcessCpu.Add(cliCpu);
                if (Since(before, target.CpuSeconds()) is { } serverCpu) pipe.ServerCpu.Add(serverCpu);
                var verdict = await RoundTripCheck.CompareAsync(source, target, sample, ct);
                pipe.Verdicts.Add(verdict.Identical ? "" : verdict.Detail);
                Console.WriteLine($"    redis-cli --pipe RESTOREs: {cli.Seconds:0.000} s; {(verdict.Identical ? "identical" : "DIFFERENT: " + verdict.Detail)}");
            }
            await RestoreAsync(fromLogical, "restore logical", logical.File, source, sample, size, ct);
            await RestoreAsync(fromExact, "restore --exact", exact.File, source, sample, size, ct);
            await RestoreAsync(fromRdb, "live restore of the snapshot (RDB)", snapshot.File, source, sample, size, ct);
        }

        Add(keys, "backup logical", logical, rdb, "redis-cli --rdb", floor: true);
        Add(keys, "backup --exact", exact, rdb, "redis-cli --rdb", floor: true);
        Add(keys, "replication snapshot", snapshot, rdb, "redis-cli --rdb", floor: false);
        Add(keys, "verify logical backup", verifyLogical, null, null, floor: false);
        Add(keys, "verify snapshot (RDB)", verifyRdb, null, null, floor: false);
        Add(keys, "restore logical", fromLogical, pipe, "redis-cli --pipe", floor: false);
        Add(keys, "restore --exact", fromExact, pipe, "redis-cli --pipe", floor: false);
        Add(keys, "RDB live restore", fromRdb, pipe, "redis-cli --pipe", floor: false);
        Add(keys, "baseline: redis-cli --rdb", rdb, null, null, floor: false);
        Add(keys, "baseline: redis-cli --pipe", pipe, null, null, floor: false);

        if (!options.KeepFiles) TempFiles.DeleteDirectory(dir);
    }

    private async Task RestoreAsync(Samples samples, string name, string? file, RedisServer source, IReadOnlyList<(int, byte[])> sample, string size, CancellationToken ct)
    {
        if (file is null)
        {
            samples.Errors.Add("nothing to restore (the backup failed)");
            return;
        }
        await using var target = await BenchServer.StartAsync($"scale-{size}-restore", workDir, ct);
        await ChildAsync(samples, name, target, ["restore", "--port", target.PortText, "--file", file], ct);
        var verdict = await RoundTripCheck.CompareAsync(source, target, sample, ct);
        samples.Verdicts.Add(verdict.Identical ? "" : verdict.Detail);
        if (!verdict.Identical) Console.WriteLine($"    {name}: DIFFERENT: {verdict.Detail}");
    }

    /// <summary>Runs one of our children, with the CPU <paramref name="server"/> spent meanwhile.</summary>
    private static async Task ChildAsync(Samples samples, string name, RedisServer? server, IReadOnlyList<string> args, CancellationToken ct)
    {
        var before = server?.CpuSeconds();
        var (child, process) = await ChildMode.InvokeAsync(args, ct);
        if (server is not null) await Task.Delay(300, ct); // a snapshot's fork is reaped on the server's next cron tick
        var serverCpu = server is null ? null : Since(before, server.CpuSeconds());
        if (child.Error is not null)
        {
            samples.Errors.Add(child.Error + (child.Detail is null ? "" : $" ({child.Detail})"));
            Console.WriteLine($"    {name}: ERROR {child.Error} {child.Detail}");
            return;
        }
        samples.Seconds.Add(child.Seconds);
        samples.RssKb.Add(Max(child.PeakRssKb, process.PeakRssKb));
        if (process.CpuSeconds is { } cpu) samples.ProcessCpu.Add(cpu);
        if (serverCpu is { } s) samples.ServerCpu.Add(s);
        samples.Phases = child.Phases;
        if (child.Path is not null) samples.File = child.Path;
        Console.WriteLine($"    {name}: {child.Seconds:0.000} s (process CPU {process.CpuSeconds:0.00} s"
                          + (serverCpu is null ? "" : $", server CPU {serverCpu:0.00} s") + $"), {Stats.Mb(Max(child.PeakRssKb, process.PeakRssKb)):0.0} MB peak RSS"
                          + (child.Phases is null ? "" : $"; {child.Phases}"));
    }

    private void Add(long keys, string path, Samples ours, Samples? baseline, string? baselineName, bool floor)
    {
        var seconds = Stats.Median(ours.Seconds);
        var baseSeconds = baseline is null ? null : Stats.Median(baseline.Seconds);
        var serverCpu = Stats.Median(ours.ServerCpu);
        var rss = Stats.MaxMb(ours.RssKb);
        var bad = ours.Verdicts.Where(v => v.Length > 0).ToList();
        var row = new ScaleRow
        {
            Keys = keys,
            Path = path,
            Seconds = seconds,
            KeysPerSecond = seconds is > 0 ? keys / seconds : null,
            PeakRssMb = rss,
            ProcessCpuSeconds = Stats.Median(ours.ProcessCpu),
            Baseline = baselineName,
            BaselineSeconds = baseSeconds,
            Ratio = Stats.Ratio(seconds, baseSeconds),
            ServerCpuSeconds = serverCpu,
            FloorMultiple = floor ? Stats.Ratio(seconds, serverCpu) : null,
            RoundTrip = ours.Verdicts.Count == 0 ? null : bad.Count == 0 ? $"identical {ours.Verdicts.Count}/{ours.Verdicts.Count}" : "DIFFERENT: " + bad[0],
            Error = ours.Errors.FirstOrDefault(),
            Phases = ours.Phases,
            Samples = ours.Seconds,
        };
        report.Scale.Add(row);
        if (path.StartsWith("baseline", StringComparison.Ordinal)) return;
        // Only the memory and the round trips are targets here; times are for reading (and ratios for comparing).
        report.Add(new Measurement
        {
            Name = $"Scale {Label(keys)}: peak RSS, {path}",
            Unit = "MB",
            Ours = rss,
            Target = $"< {RssLimitMb:0} MB",
            Pass = ours.Errors.Count == 0 && rss is not null && rss < RssLimitMb,
            Note = ours.Errors.FirstOrDefault(),
        });
        if (ours.Verdicts.Count > 0)
        {
            report.Add(new Measurement
            {
                Name = $"Scale {Label(keys)}: round trip, {path}",
                Unit = "",
                Ours = ours.Verdicts.Count - bad.Count,
                BaselineName = $"of {ours.Verdicts.Count} runs",
                Target = "DEBUG DIGEST + keys equal",
                Pass = ours.Errors.Count == 0 && bad.Count == 0,
                Note = bad.FirstOrDefault(),
            });
        }
    }

    private static double? Since(double? before, double? after) => before is null || after is null ? null : after - before;

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    /// <summary>1000000 → "1M", 200000 → "200k".</summary>
    public static string Label(long keys)
        => keys % 1_000_000 == 0 ? (keys / 1_000_000).ToString(CultureInfo.InvariantCulture) + "M"
            : keys % 1000 == 0 ? (keys / 1000).ToString(CultureInfo.InvariantCulture) + "k"
            : keys.ToString(CultureInfo.InvariantCulture);

    /// <summary>"1m,4m,10m" / "200k" / "1500000" → key counts.</summary>
    public static IReadOnlyList<long> ParseSizes(string text)
    {
        var sizes = new List<long>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (digits, factor) = char.ToLowerInvariant(part[^1]) switch
            {
                'm' => (part[..^1], 1_000_000L),
                'k' => (part[..^1], 1_000L),
                _ => (part, 1L),
            };
            var value = decimal.Parse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) * factor;
            if (value < 1 || value != decimal.Truncate(value)) throw new ArgumentException($"--scale: '{part}' is not a key count (e.g. 1m, 250k, 4000000).");
            sizes.Add((long)value);
        }
        if (sizes.Count == 0) throw new ArgumentException("--scale needs at least one size, e.g. --scale 1m,4m,10m.");
        return sizes;
    }
}

/// <summary>One row of the scale table: one path at one size.</summary>
internal sealed record ScaleRow
{
    public required long Keys { get; init; }
    public required string Path { get; init; }
    public double? Seconds { get; init; }
    public double? KeysPerSecond { get; init; }
    public double? PeakRssMb { get; init; }
    public double? ProcessCpuSeconds { get; init; }
    public string? Baseline { get; init; }
    public double? BaselineSeconds { get; init; }
    public double? Ratio { get; init; }
    public double? ServerCpuSeconds { get; init; }
    public double? FloorMultiple { get; init; }
    public string? RoundTrip { get; init; }
    public string? Error { get; init; }
    public string? Phases { get; init; }
    public IReadOnlyList<double>? Samples { get; init; }
}
