using System.Globalization;

namespace RedisBackup.Engine.Restore;

/// <summary>Which RDB (and so DUMP payload) version each server release writes and reads (docs/rdb-format.md).</summary>
internal static class RdbVersions
{
    /// <summary>The newest RDB version a server reads, from INFO server; null when the release is not known.</summary>
    public static int? MaxReadableBy(IReadOnlyDictionary<string, string> serverInfo)
    {
        var valkey = serverInfo.GetValueOrDefault("server_name") == "valkey" || serverInfo.ContainsKey("valkey_version");
        var text = valkey ? serverInfo.GetValueOrDefault("valkey_version") ?? serverInfo.GetValueOrDefault("redis_version") : serverInfo.GetValueOrDefault("redis_version");
        if (!Version.TryParse((text ?? "").Split('-')[0], out var v)) return null;
        if (valkey)
        {
            if (v.Major >= 9) return v.Minor >= 2 ? 81 : 80;
            return 11;
        }
        return (v.Major, v.Minor) switch
        {
            ( > 8, _) => null,
            (8, >= 10) => 15,
            (8, >= 8) => 14,
            (8, >= 6) => 13,
            (8, _) => 12,
            (7, >= 4) => 12,
            (7, >= 2) => 11,
            (7, _) => 10,
            (6, _) or (5, _) => 9,
            (4, _) => 8,
            (3, >= 2) => 7,
            _ => null,
        };
    }

    /// <summary>The server release that writes an RDB version, for messages.</summary>
    public static string ReleaseOf(int rdbVersion) => rdbVersion switch
    {
        <= 6 => "Redis 2.x–3.0",
        7 => "Redis 3.2",
        8 => "Redis 4.0",
        9 => "Redis 5.0–6.2",
        10 => "Redis 7.0",
        11 => "Redis 7.2 or Valkey 7.2–8.1",
        12 => "Redis 7.4–8.4",
        13 => "Redis 8.6",
        14 => "Redis 8.8",
        15 => "Redis 8.10",
        80 => "Valkey 9.0",
        81 => "Valkey 9.2",
        _ => "an unknown release (RDB version " + rdbVersion.ToString(CultureInfo.InvariantCulture) + ")",
    };
}
