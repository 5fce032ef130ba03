using RedisBackup.Engine.Redis;

namespace RedisBackup.Bench;

/// <summary>
/// The big-key series (<c>--big-keys</c>; issue 11 §5, issue 9 item 15): one huge key at a time — a 400 MB string of
/// random bytes, a 400 MB string of zero bytes, a bitmap made with <c>SETBIT big 2415919103 1</c> (288 MB, mostly zero)
/// and a 5-million-member hash — through every path, each a child process whose peak RSS is measured (GNU time, else
/// its VmHWM): logical and exact key-level backup, replication snapshot, verify of the three files, restore of both
/// key-level backups and live restore of the snapshot, each restore checked by DEBUG DIGEST. The target: peak RSS under
/// 200 MB on every path, whatever the key.
/// </summary>
internal sealed class BigKeySuite(Report report, string workDir)
{
    private const double RssLimitMb = 200;

    /// <summary>The shared cases (<see cref="BigKeys"/>) but the 5-million-entry stream, which the series has never measured.</summary>
    public static readonly string[] Cases = [.. BigKeys.Cases.Where(c => c != "stream-5m")];

    public async Task RunAsync(CancellationToken ct)
    {
        foreach (var kind in Cases) await RunCaseAsync(kind, ct);
    }

    private async Task RunCaseAsync(string kind, CancellationToken ct)
    {
        var dir = Path.Combine(workDir, $"big-{kind}");
        Directory.CreateDirectory(dir);
        await using var source = await BenchServer.StartAsync($"big-{kind}", workDir, ct);
        report.RedisVersion = await source.VersionTextAsync(ct);
        Console.WriteLine($"Big keys, {Describe(kind)}: loading ...");
        await BigKeys.FillAsync(source, kind, ct);
        Console.WriteLine($"  used_memory {await source.UsedMemoryAsync(ct) / 1048576.0:0} MB");
        var sample = await RoundTripCheck.SampleAsync(source, ct);

        var logical = await MeasureAsync(kind, "backup logical", ["backup", "--port", source.PortText, "--dir", Path.Combine(dir, "logical")], ct);
        var exact = await MeasureAsync(kind, "backup --exact", ["backup", "--port", source.PortText, "--dir", Path.Combine(dir, "exact"), "--exact"], ct);
        var snapshotFile = Path.Combine(dir, "snapshot.rdb");
        var snapshot = await MeasureAsync(kind, "replication snapshot", ["snapshot", "--port", source.PortText, "--file", snapshotFile], ct);
        foreach (var (name, file) in new[] { ("verify logical", logical), ("verify --exact", exact), ("verify snapshot", snapshot) })
            if (file is not null) await MeasureAsync(kind, name, ["verify-backup", "--file", file], ct);
        foreach (var (name, file) in new[] { ("restore logical", logical), ("restore --exact", exact), ("RDB live restore", snapshot) })
        {
            if (file is null) continue;
            await using var target = await BenchServer.StartAsync($"big-{kind}-target", workDir, ct);
            await MeasureAsync(kind, name, ["restore", "--port", target.PortText, "--file", file], ct);
            var verdict = await RoundTripCheck.CompareAsync(source, target, sample, ct);
            report.Add(new Measurement
            {
                Name = $"Big keys, {Describe(kind)}: round trip, {name}",
                Unit = "",
                Ours = verdict.Identical ? 1 : 0,
                BaselineName = "of 1 run",
                Target = "DEBUG DIGEST + keys equal",
                Pass = verdict.Identical,
                Note = verdict.Identical ? null : verdict.Detail,
            });
        }
        TempFiles.DeleteDirectory(dir);
    }

    /// <summary>Runs one child and records its peak RSS against the bound; returns the file it produced, if any.</summary>
    private async Task<string?> MeasureAsync(string kind, string name, IReadOnlyList<string> args, CancellationToken ct)
    {
        var (child, process) = await ChildMode.InvokeAsync(args, ct);
        var rssKb = child.PeakRssKb is null ? process.PeakRssKb : process.PeakRssKb is null ? child.PeakRssKb : Math.Max(child.PeakRssKb.Value, process.PeakRssKb.Value);
        var rss = rssKb / 1024.0;
        Console.WriteLine($"  {name}: {child.Seconds:0.00} s, {rss:0.0} MB peak RSS" + (child.Error is null ? "" : $" ERROR {child.Error} {child.Detail}"));
        report.Add(new Measurement
        {
            Name = $"Big keys, {Describe(kind)}: peak RSS, {name}",
            Unit = "MB",
            Ours = rss,
            Target = $"< {RssLimitMb:0} MB",
            Pass = child.Error is null && rss is not null && rss < RssLimitMb,
            Note = child.Error is null ? $"{child.Seconds:0.0} s" : $"{child.Error} {child.Detail}",
        });
        return child.Error is null ? child.Path : null;
    }

    private static string Describe(string kind) => kind switch
    {
        "random-string" => "400 MB random string",
        "zero-string" => "400 MB zero string",
        "setbit-bitmap" => "SETBIT bitmap (288 MB)",
        "hash-5m" => "5M-member hash",
        _ => kind,
    };
}
