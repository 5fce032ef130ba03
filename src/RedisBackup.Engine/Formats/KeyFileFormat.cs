namespace RedisBackup.Engine.Formats;

/// <summary>Names and constants of the key-level file format (README.md, "Key-level backup format").</summary>
internal static class KeyFileFormat
{
    public const string FormatName = "redisbackup-keys";
    public const int Version = 1;

    /// <summary>Every record starts with this property: "header", "key" or "trailer".</summary>
    public const string RecordProperty = "rec";

    /// <summary>The first bytes of every file of ours once decompressed.</summary>
    public static ReadOnlySpan<byte> HeaderPrefix => "{\"rec\":\"header\""u8;

    public static readonly IReadOnlySet<string> LogicalTypes = new HashSet<string>(StringComparer.Ordinal) { "string", "hash", "list", "set", "zset" };

    /// <summary>The type name of a DUMP payload, from its first byte (the RDB value type).</summary>
    public static string TypeOfPayload(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty) return "unknown";
        return payload[0] switch
        {
            0 => "string",
            1 or 10 or 14 or 18 => "list",
            2 or 11 or 20 => "set",
            3 or 5 or 12 or 17 => "zset",
            4 or 9 or 13 or 16 or 22 or 23 or 24 or 25 => "hash",
            15 or 19 or 21 or 26 or 27 => "stream",
            6 or 7 => "module",
            _ => "unknown",
        };
    }
}
