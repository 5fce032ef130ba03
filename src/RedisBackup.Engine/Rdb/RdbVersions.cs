using System.Globalization;

namespace RedisBackup.Engine.Rdb;

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

    /// <summary>
    /// Whether a server accepts a RESTORE payload (or loads a file) of RDB version <paramref name="payloadVersion"/>, from
    /// its INFO server alone. Redis reads every version up to its own and none of Valkey's (80 and above). Valkey reads
    /// every version up to 11 (the last open-source Redis format) and, from 9.0, its own 80 and up to its release's;
    /// it refuses Redis's 12 to 79 ("foreign" versions). A release this reader does not know: Redis newer than 8.x reads
    /// what this reader knows of Redis; Valkey newer than 9.x reads up to 11 and 80 to 81.
    /// </summary>
    public static bool Accepts(IReadOnlyDictionary<string, string> serverInfo, int payloadVersion)
    {
        ArgumentNullException.ThrowIfNull(serverInfo);
        if (payloadVersion < 1) return false;
        if (IsValkey(serverInfo))
        {
            if (payloadVersion <= 11) return true;
            return payloadVersion >= 80 && MaxReadableBy(serverInfo) is { } own && payloadVersion <= own;
        }
        if (payloadVersion >= 80) return false;
        var max = MaxReadableBy(serverInfo) ?? (UnknownNewerRedis(serverInfo) ? Rdb.RdbFormatCatalog.MaxRedisVersion : 0);
        return payloadVersion <= max;
    }

    /// <summary>Whether INFO server named the release (a user whose ACL refuses INFO gets none).</summary>
    public static bool Knows(IReadOnlyDictionary<string, string> serverInfo)
    {
        ArgumentNullException.ThrowIfNull(serverInfo);
        return serverInfo.ContainsKey("redis_version") || serverInfo.ContainsKey("valkey_version");
    }

    /// <summary>
    /// <see cref="Accepts"/> for one server, worked out once per version: the restores ask it for every DUMP record, and
    /// the answer depends only on the version. A server whose release is unknown (INFO not permitted) is sent every
    /// payload as it is: it checks the version itself, and a payload it refuses fails its key with the server's reason.
    /// </summary>
    public static Func<int, Rdb.RdbFamily, bool> AcceptanceOf(IReadOnlyDictionary<string, string> serverInfo)
    {
        ArgumentNullException.ThrowIfNull(serverInfo);
        if (!Knows(serverInfo)) return static (_, _) => true;
        var answers = new bool?[ushort.MaxValue + 1];
        return (version, _) =>
        {
            if (version is < 0 or > ushort.MaxValue) return false;
            return answers[version] ??= Accepts(serverInfo, version);
        };
    }

    /// <summary>The server's product and release, for messages: "Redis 7.0.15", "Valkey 8.0.1".</summary>
    public static string Describe(IReadOnlyDictionary<string, string> serverInfo)
    {
        ArgumentNullException.ThrowIfNull(serverInfo);
        if (!Knows(serverInfo)) return "the target (its release unknown: INFO is not permitted)";
        return IsValkey(serverInfo)
            ? "Valkey " + (serverInfo.GetValueOrDefault("valkey_version") ?? serverInfo.GetValueOrDefault("redis_version") ?? "(unknown version)")
            : "Redis " + serverInfo.GetValueOrDefault("redis_version", "(unknown version)");
    }

    private static bool IsValkey(IReadOnlyDictionary<string, string> serverInfo)
        => serverInfo.GetValueOrDefault("server_name") == "valkey" || serverInfo.ContainsKey("valkey_version");

    private static bool UnknownNewerRedis(IReadOnlyDictionary<string, string> serverInfo)
        => Version.TryParse((serverInfo.GetValueOrDefault("redis_version") ?? "").Split('-')[0], out var v) && v.Major > 8;

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
