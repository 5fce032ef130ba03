using System.Globalization;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// The target server's thresholds for its compact encodings, read with CONFIG GET, and the newest payload version it
/// reads. A logical key within them is sent as the blob the server itself would DUMP (listpack, intset), which it
/// loads as it is; anything else goes as a plain RDB type. Without CONFIG (managed services), only plain types are used.
/// </summary>
internal sealed record CompactLimits
{
    /// <summary>Listpack payloads (hash 16, zset 17, quicklist2 18) need RDB 10 (Redis 7.0); set listpacks (20) RDB 11.</summary>
    public int ReadableVersion { get; init; }
    public int HashEntries { get; init; }
    public int HashValue { get; init; }
    public int ZsetEntries { get; init; }
    public int ZsetValue { get; init; }
    /// <summary>list-max-listpack-size: a positive entry count, or -1…-5 for 4…64 KB per node.</summary>
    public int ListSize { get; init; }
    public int IntsetEntries { get; init; }
    /// <summary>Redis 7.2+: set-max-listpack-entries / -value; 0 when the server has no set listpacks.</summary>
    public int SetEntries { get; init; }
    public int SetValue { get; init; }

    public bool Listpacks => ReadableVersion >= 10;

    /// <summary>The limits of the server behind <paramref name="connection"/>, or null when it does not say (no INFO or CONFIG, unknown release).</summary>
    public static async Task<CompactLimits?> ReadAsync(RedisConnection connection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var info = await connection.TryInfoAsync("server", ct).ConfigureAwait(false);
        if (RdbVersions.MaxReadableBy(info) is not { } readable) return null;
        var reply = await connection.ExecuteRawAsync(["CONFIG", "GET", "*-max-*"], ct).ConfigureAwait(false);
        if (reply.IsError || reply.Type != RespType.Array) return null;
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < reply.Items!.Length; i += 2) config[reply.Items[i].AsString() ?? ""] = reply.Items[i + 1].AsString() ?? "";
        int? Get(string name) => config.TryGetValue(name, out var v) && int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;

        var limits = new CompactLimits
        {
            ReadableVersion = readable,
            HashEntries = Get("hash-max-listpack-entries") ?? 0,
            HashValue = Get("hash-max-listpack-value") ?? 0,
            ZsetEntries = Get("zset-max-listpack-entries") ?? 0,
            ZsetValue = Get("zset-max-listpack-value") ?? 0,
            ListSize = Get("list-max-listpack-size") ?? 0,
            IntsetEntries = Get("set-max-intset-entries") ?? 0,
            SetEntries = readable >= 11 ? Get("set-max-listpack-entries") ?? 0 : 0,
            SetValue = readable >= 11 ? Get("set-max-listpack-value") ?? 0 : 0,
        };
        return limits;
    }

    /// <summary>Whether one listpack node of a list may hold these elements under list-max-listpack-size.</summary>
    public bool ListNodeFits(int count, long listpackBytes) => ListSize switch
    {
        > 0 => count <= ListSize && listpackBytes <= 8192, // Redis caps count-limited nodes at 8 KB as well
        >= -5 and < 0 => listpackBytes <= 4096L << (-ListSize - 1),
        _ => false,
    };
}
