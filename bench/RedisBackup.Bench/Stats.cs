namespace RedisBackup.Bench;

/// <summary>Small helpers for turning repeated runs into table figures.</summary>
internal static class Stats
{
    public static double? Median(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return null;
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public static double? Ratio(double? ours, double? baseline) => ours is null || baseline is null or 0 ? null : ours / baseline;

    public static double? Mb(long? kb) => kb is null ? null : kb.Value / 1024.0;

    public static double? MaxMb(IEnumerable<long?> kbs)
    {
        var known = kbs.Where(k => k is not null).Select(k => k!.Value).ToList();
        return known.Count == 0 ? null : known.Max() / 1024.0;
    }
}
