namespace RedisBackup.Engine.Formats;

/// <summary>Names and constants of the key-level file format (README.md, "Key-level backup format").</summary>
internal static class KeyFileFormat
{
    public const string FormatName = "redisbackup-keys";

    /// <summary>The newest format version this reader reads.</summary>
    public const int Version = 2;

    /// <summary>
    /// The version written when the header's <c>requires</c> list is empty: every reader since the first reads it.
    /// A file whose <c>requires</c> list is not empty is written as <see cref="Version"/> 2, so that readers from before
    /// the list existed (which read only version 1) refuse it instead of skipping what they do not know.
    /// </summary>
    public const int VersionWithoutRequirements = 1;

    /// <summary>
    /// The minor version this writer writes: additions a reader may ignore without losing anything (1: the header's
    /// <c>minor</c> and <c>requires</c>, the records' <c>fieldExpireAt</c>/<c>fieldsReadAt</c>, the trailer's <c>fieldTtls</c>).
    /// </summary>
    public const int Minor = 1;

    /// <summary>The requirement of a file that may hold hash field TTLs (<c>fieldExpireAt</c> on hash records).</summary>
    public const string FieldTtlRequirement = "fieldTtl";

    /// <summary>
    /// The requirement of a file that holds the source's function libraries: a <c>functions</c> record right after the
    /// header. A reader that does not know it would drop them silently, so it must refuse the file instead.
    /// </summary>
    public const string FunctionsRequirement = "functions";

    /// <summary>The requirement of a file that may hold logical stream records (<c>stream</c> parts instead of a DUMP payload).</summary>
    public const string StreamRecordsRequirement = "streamRecords";

    /// <summary>Every entry of a header's <c>requires</c> list this reader understands; any other one makes it refuse the file.</summary>
    public static readonly IReadOnlySet<string> KnownRequirements = new HashSet<string>(StringComparer.Ordinal) { FieldTtlRequirement, FunctionsRequirement, StreamRecordsRequirement };

    /// <summary>Every record starts with this property: "header", "functions", "key" or "trailer".</summary>
    public const string RecordProperty = "rec";

    /// <summary>The first bytes of every file of ours once decompressed.</summary>
    public static ReadOnlySpan<byte> HeaderPrefix => "{\"rec\":\"header\""u8;

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
