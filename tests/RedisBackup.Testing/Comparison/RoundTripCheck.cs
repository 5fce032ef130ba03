using RedisBackup.Engine.Redis;

namespace RedisBackup.Testing;

/// <summary>The result of comparing a restored server with the source.</summary>
internal sealed record RoundTripVerdict(bool Identical, string Detail);

/// <summary>
/// Proves a round trip identical: DEBUG DIGEST of the whole dataset (every database, values, binary vectors, which
/// keys carry an expiry) must match, the key counts must match, and a sample of keys must have the same PTTL
/// (within <see cref="TtlToleranceMs"/>) and keys without a TTL must still have none.
/// </summary>
internal static class RoundTripCheck
{
    public const long TtlToleranceMs = 1000;
    private const int TtlSamples = 500;
    private const int PersistentSamples = 100;

    /// <summary>Keys looked at per database for the sample: a dataset without TTLs (the scale series) is not walked whole.</summary>
    private const int MaxScanned = 20_000;

    /// <summary>Picks the sample once from the source: keys with a TTL and keys without, from every database.</summary>
    public static async Task<IReadOnlyList<(int Db, byte[] Key)>> SampleAsync(RedisServer source, CancellationToken ct)
    {
        await using var c = await source.ConnectAsync(ct).ConfigureAwait(false);
        var sample = new List<(int, byte[])>();
        foreach (var db in new[] { 0, 1 })
        {
            await c.SelectAsync(db, ct).ConfigureAwait(false);
            int withTtl = 0, persistent = 0, scanned = 0;
            var cursor = "0";
            do
            {
                var page = (await c.ExecuteAsync(ct, "SCAN", cursor, "COUNT", 1000).ConfigureAwait(false)).AsArray();
                cursor = page[0].AsString()!;
                foreach (var key in page[1].AsArray())
                {
                    scanned++;
                    var ttl = (await c.ExecuteAsync(ct, "PTTL", key.Bytes!).ConfigureAwait(false)).AsInt64();
                    if (ttl > 0 && withTtl < TtlSamples) { withTtl++; sample.Add((db, key.Bytes!)); }
                    else if (ttl == -1 && persistent < PersistentSamples) { persistent++; sample.Add((db, key.Bytes!)); }
                }
            }
            while (cursor != "0" && (withTtl < TtlSamples || persistent < PersistentSamples) && scanned < MaxScanned);
        }
        return sample;
    }

    public static async Task<RoundTripVerdict> CompareAsync(RedisServer source, RedisServer restored, IReadOnlyList<(int Db, byte[] Key)> sample, CancellationToken ct)
    {
        var sourceDigest = await source.DigestAsync(ct).ConfigureAwait(false);
        var restoredDigest = await restored.DigestAsync(ct).ConfigureAwait(false);
        var sourceKeys = await source.TotalKeysAsync(ct).ConfigureAwait(false);
        var restoredKeys = await restored.TotalKeysAsync(ct).ConfigureAwait(false);
        var problems = new List<string>();
        if (sourceKeys != restoredKeys) problems.Add($"key count {restoredKeys} != source {sourceKeys}");
        if (sourceDigest != restoredDigest) problems.Add($"DEBUG DIGEST {restoredDigest} != source {sourceDigest}");

        await using var s = await source.ConnectAsync(ct).ConfigureAwait(false);
        await using var r = await restored.ConnectAsync(ct).ConfigureAwait(false);
        int ttlChecked = 0, ttlBad = 0;
        foreach (var group in sample.GroupBy(x => x.Db))
        {
            await s.SelectAsync(group.Key, ct).ConfigureAwait(false);
            await r.SelectAsync(group.Key, ct).ConfigureAwait(false);
            foreach (var (_, key) in group)
            {
                var a = (await s.ExecuteAsync(ct, "PTTL", key).ConfigureAwait(false)).AsInt64();
                var b = (await r.ExecuteAsync(ct, "PTTL", key).ConfigureAwait(false)).AsInt64();
                ttlChecked++;
                var ok = a < 0 ? a == b : b > 0 && Math.Abs(a - b) <= TtlToleranceMs;
                if (!ok)
                {
                    if (ttlBad < 3) problems.Add($"PTTL of db{group.Key} '{System.Text.Encoding.UTF8.GetString(key)}': {b} != source {a}");
                    ttlBad++;
                }
            }
        }
        if (ttlBad > 3) problems.Add($"... {ttlBad} of {ttlChecked} PTTL checks failed");
        return problems.Count == 0
            ? new RoundTripVerdict(true, $"digest {sourceDigest[..12]}…, {sourceKeys:N0} keys, {ttlChecked} PTTL checks within {TtlToleranceMs} ms")
            : new RoundTripVerdict(false, string.Join("; ", problems));
    }
}
