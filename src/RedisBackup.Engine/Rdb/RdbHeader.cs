namespace RedisBackup.Engine.Rdb;

/// <summary>What the start of an RDB file says: magic, version and the AUX fields before the first database.</summary>
public sealed record RdbHeaderInfo
{
    public string Magic { get; init; } = "REDIS";
    public int Version { get; init; }
    public string? RedisVersion { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public long? UsedMemory { get; init; }
    public IReadOnlyDictionary<string, string> Aux { get; init; } = new Dictionary<string, string>();
}

/// <summary>Cheap header read for listing foreign files: reads only up to the first non-AUX opcode.</summary>
public static class RdbHeader
{
    /// <summary>Null when the stream does not start with an RDB magic (REDIS0nnn / VALKEYnnn).</summary>
    public static RdbHeaderInfo? TryRead(Stream rdb) => throw new NotImplementedException();
}
