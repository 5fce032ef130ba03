using System.Globalization;

namespace RedisBackup.Bench;

/// <summary>Command-line options of the benchmark.</summary>
internal sealed record BenchOptions
{
    public int Keys { get; init; } = 1_000_000;
    public int Vectors { get; init; } = 20_000;
    public double SnapshotGb { get; init; } = 1.0;
    public int Runs { get; init; } = 1;
    public int Seed { get; init; } = 20_240_611;
    public bool Quick { get; init; }
    public bool SkipKeys { get; init; }
    public bool SkipSnapshot { get; init; }
    public bool KeepFiles { get; init; }
    public string? Output { get; init; }

    /// <summary>Sizes of the scale series (small string keys); empty: no series.</summary>
    public IReadOnlyList<long> Scale { get; init; } = [];

    public const string Usage = """
        RedisBackup benchmark: our key-level backup/restore and replication snapshot against redis-cli, same run.

        dotnet run -c Release --project bench/RedisBackup.Bench -- [options]

          --keys N          mixed keys in db 0 (default 1000000; quick 100000)
          --vectors N       2 KB float32 vector hashes in db 1 (default 20000; quick 2000)
          --snapshot-gb X   size of the snapshot dataset in GB (default 1; quick 0.2)
          --runs N          repetitions of every timed step; the median counts (default 1; quick 3)
          --quick           the small sizes above, for a fast check
          --seed N          dataset seed (default 20240611)
          --skip-keys       only the snapshot part
          --skip-snapshot   only the key-level part
          --scale SIZES     also run the scale series: for each size (e.g. 1m,4m,10m) a server of that many
                            small string keys and every path (backups, snapshot, verify, restores) with wall
                            time, keys/s, peak RSS, the redis-cli ratio and the server's CPU floor
          --out FILE        JSON results (default bench/results/latest.json, or latest-quick.json with --quick)
          --keep-files      keep the temporary directory (backups, RDB files) for inspection
        """;

    public static BenchOptions Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        var o = quick ? new BenchOptions { Quick = true, Keys = 100_000, Vectors = 2_000, SnapshotGb = 0.2, Runs = 3 } : new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            o = args[i] switch
            {
                "--quick" => o,
                "--keys" => o with { Keys = NonNegative(Next(), "--keys") },
                "--vectors" => o with { Vectors = NonNegative(Next(), "--vectors") },
                "--snapshot-gb" => o with { SnapshotGb = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--runs" => o with { Runs = Math.Max(1, NonNegative(Next(), "--runs")) },
                "--seed" => o with { Seed = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--skip-keys" => o with { SkipKeys = true },
                "--skip-snapshot" => o with { SkipSnapshot = true },
                "--keep-files" => o with { KeepFiles = true },
                "--out" => o with { Output = Next() },
                "--scale" => o with { Scale = ScaleSuite.ParseSizes(Next()) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
        }
        if (o.SnapshotGb <= 0) o = o with { SkipSnapshot = true };
        return o;
    }

    private static int NonNegative(string text, string name)
    {
        var n = int.Parse(text, CultureInfo.InvariantCulture);
        return n >= 0 ? n : throw new ArgumentException($"{name} must not be negative.");
    }
}
