using System.Globalization;

namespace RedisBackup.Engine.Rdb;

/// <summary>Reads the well-known AUX fields (server version, creation time, memory) out of the AUX dictionary.</summary>
internal static class RdbAuxFields
{
    /// <summary>valkey-ver when present (Valkey writes both), else redis-ver.</summary>
    public static string? ServerVersion(IReadOnlyDictionary<string, string> aux)
        => aux.TryGetValue("valkey-ver", out var valkey) ? valkey : aux.TryGetValue("redis-ver", out var redis) ? redis : null;

    /// <summary>The ctime field (Unix seconds) as a time, or null when absent or not a number.</summary>
    public static DateTimeOffset? CreatedAt(IReadOnlyDictionary<string, string> aux)
        => aux.TryGetValue("ctime", out var text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds)
           && seconds is >= -62135596800 and <= 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public static long? UsedMemory(IReadOnlyDictionary<string, string> aux)
        => aux.TryGetValue("used-mem", out var text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bytes) ? bytes : null;
}
