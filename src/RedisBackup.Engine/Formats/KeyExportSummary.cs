namespace RedisBackup.Engine.Formats;

/// <summary>What an export wrote.</summary>
internal sealed record KeyExportSummary
{
    public long Keys { get; init; }
    public IReadOnlyDictionary<int, long> KeysPerDatabase { get; init; } = new Dictionary<int, long>();
    public string? ServerVersion { get; init; }
    public string? Role { get; init; }
    public long BytesWritten { get; init; }

    /// <summary>Keys that disappeared (or changed type twice) between SCAN and the value read, and were left out.</summary>
    public long Vanished { get; init; }

    /// <summary>Keys that SCAN returned more than once: written once, the later occurrences left out.</summary>
    public long Duplicates { get; init; }

    /// <summary>Key and chunk records in the file (a big key takes several).</summary>
    public long Records { get; init; }

    /// <summary>Hash field expiries recorded (Redis 7.4+ / Valkey 9 sources).</summary>
    public long FieldTtls { get; init; }

    /// <summary>Exact mode: keys over the exact limit (16 MB), written as logical records marked <c>"logical":true</c>.</summary>
    public long LogicalKeys { get; init; }

    /// <summary>Streams over the exact limit (16 MB), written as logical stream records (the header requires <c>streamRecords</c>).</summary>
    public long StreamsAsRecords { get; init; }

    /// <summary>Function libraries in the backup (its <c>functions</c> record).</summary>
    public int FunctionLibraries { get; init; }

    /// <summary>Why the server's function libraries are not in the backup (FUNCTION DUMP refused), or null. Fronts show it as a warning.</summary>
    public string? FunctionsNotCaptured { get; init; }
}
