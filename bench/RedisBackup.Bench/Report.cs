using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RedisBackup.Bench;

/// <summary>One line of the result table: our figure, the same-run baseline, their ratio, the target and the verdict.</summary>
internal sealed record Measurement
{
    public required string Name { get; init; }
    public required string Unit { get; init; }
    public double? Ours { get; init; }
    public double? Baseline { get; init; }
    public string? BaselineName { get; init; }
    public double? Ratio { get; init; }
    public required string Target { get; init; }
    public bool? Pass { get; init; }
    public string? Note { get; init; }
    public IReadOnlyList<double>? Samples { get; init; }
    public IReadOnlyList<double>? BaselineSamples { get; init; }
}

/// <summary>The whole run: options, machine state, dataset facts and the measurements; printed as a table and saved as JSON.</summary>
internal sealed class Report
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public string Command { get; init; } = "";
    public BenchOptions? Options { get; init; }
    public string RedisVersion { get; set; } = "";
    public int Cores { get; } = Environment.ProcessorCount;
    public string LoadAverageAtStart { get; } = LoadAverage();
    public string LoadAverageAtEnd { get; set; } = "";
    public Dictionary<string, string> Dataset { get; } = [];
    public List<Measurement> Measurements { get; } = [];
    public List<ScaleRow> Scale { get; } = [];

    public void Add(Measurement m)
    {
        Measurements.Add(m);
        Console.WriteLine($"  -> {m.Name}: {Format(m.Ours, m.Unit)}" + (m.Baseline is null ? "" : $" vs {Format(m.Baseline, m.Unit)}")
                          + (m.Ratio is null ? "" : $" = {m.Ratio:0.00}x") + $" [{Verdict(m)}]" + (m.Note is null ? "" : $" {m.Note}"));
    }

    public string Table()
    {
        var header = new[] { "Measurement", "Ours", "Baseline (same run)", "Ratio", "Target", "Result" };
        var rows = Measurements.Select(m => new[]
        {
            m.Name,
            Format(m.Ours, m.Unit),
            m.Baseline is null ? (m.BaselineName ?? "-") : $"{Format(m.Baseline, m.Unit)} {m.BaselineName}",
            m.Ratio is null ? "-" : m.Ratio.Value.ToString("0.00", CultureInfo.InvariantCulture) + "x",
            m.Target,
            Verdict(m),
        }).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(c => rows.Select(r => r[c].Length).Append(header[c].Length).Max()).ToArray();
        var sb = new StringBuilder();
        void Line(string[] cells) => sb.AppendLine("| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |");
        Line(header);
        sb.AppendLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var r in rows) Line(r);
        var notes = Measurements.Where(m => m.Note is not null).ToList();
        if (notes.Count > 0)
        {
            sb.AppendLine();
            foreach (var m in notes) sb.AppendLine($"- {m.Name}: {m.Note}");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The scale series as a table: per size and path the median wall time, keys/s, peak RSS, the same-run baseline and
    /// ratio, our process's CPU time (user + system, start-up included; redis-cli's for the baselines), the server's CPU
    /// during the step and, for the exports, their time as a multiple of it (the floor of the key-level method). Then, per path, keys/s at the largest size against the smallest (1.00 = time linear in keys).
    /// </summary>
    public string ScaleTable()
    {
        var header = new[] { "Keys", "Path", "Time", "Keys/s", "Peak RSS", "Baseline (same run)", "Ratio", "CPU (ours)", "Server CPU", "x floor", "Round trip" };
        var rows = Scale.Select(r => new[]
        {
            ScaleSuite.Label(r.Keys),
            r.Path,
            r.Error is not null ? "ERROR" : Format(r.Seconds, "s"),
            r.KeysPerSecond is { } kps ? kps.ToString("N0", CultureInfo.InvariantCulture) : "-",
            Format(r.PeakRssMb, "MB"),
            r.Baseline is null ? "-" : $"{Format(r.BaselineSeconds, "s")} {r.Baseline}",
            r.Ratio is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-",
            Format(r.ProcessCpuSeconds, "s"),
            Format(r.ServerCpuSeconds, "s"),
            r.FloorMultiple is { } f ? f.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-",
            r.RoundTrip ?? "-",
        }).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(c => rows.Select(r => r[c].Length).Append(header[c].Length).Max()).ToArray();
        var sb = new StringBuilder();
        void Line(string[] cells) => sb.AppendLine("| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |");
        Line(header);
        sb.AppendLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var r in rows) Line(r);
        sb.AppendLine();
        foreach (var r in Scale.Where(r => r.Error is not null)) sb.AppendLine($"- {ScaleSuite.Label(r.Keys)} {r.Path}: {r.Error}");
        foreach (var r in Scale.Where(r => r.Phases is not null && r.Path.StartsWith("backup", StringComparison.Ordinal)))
            sb.AppendLine($"- {ScaleSuite.Label(r.Keys)} {r.Path}, steps: {r.Phases}");
        var sizes = Scale.Select(r => r.Keys).Distinct().Order().ToList();
        if (sizes.Count >= 2)
        {
            foreach (var path in Scale.Select(r => r.Path).Distinct())
            {
                var small = Scale.FirstOrDefault(r => r.Path == path && r.Keys == sizes[0])?.KeysPerSecond;
                var large = Scale.FirstOrDefault(r => r.Path == path && r.Keys == sizes[^1])?.KeysPerSecond;
                if (small is > 0 && large is not null)
                    sb.AppendLine($"- {path}: keys/s at {ScaleSuite.Label(sizes[^1])} is {large / small:0.00}x that at {ScaleSuite.Label(sizes[0])} (1.00: time linear in keys)");
            }
        }
        return sb.ToString();
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var doc = new
        {
            startedAt = StartedAt,
            command = Command,
            options = Options,
            redisVersion = RedisVersion,
            cores = Cores,
            loadAverageAtStart = LoadAverageAtStart,
            loadAverageAtEnd = LoadAverageAtEnd,
            dataset = Dataset,
            measurements = Measurements,
            scale = Scale,
            scaleTable = Scale.Count > 0 ? ScaleTable() : null,
            passed = Measurements.Count(m => m.Pass == true),
            failed = Measurements.Count(m => m.Pass == false),
            table = Table(),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(doc, Json));
    }

    public static string Verdict(Measurement m) => m.Pass switch { true => "PASS", false => "FAIL", null => "info" };

    public static string Format(double? value, string unit) => value is null ? "n/a" : unit switch
    {
        "s" => value.Value.ToString("0.000", CultureInfo.InvariantCulture) + " s",
        "MB" => value.Value.ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        "MB/s" => value.Value.ToString("0", CultureInfo.InvariantCulture) + " MB/s",
        "" => value.Value.ToString("0.##", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.###", CultureInfo.InvariantCulture) + " " + unit,
    };

    public static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }
}
