using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Rdb;

/// <summary>One key read from an RDB file. <see cref="Value"/> holds the exact rdbSaveObject bytes (null in skip mode).</summary>
public sealed record RdbEntry
{
    public int Database { get; init; }
    public required byte[] Key { get; init; }

    /// <summary>Absolute expiry in Unix milliseconds, or null.</summary>
    public long? ExpireAtMs { get; init; }

    /// <summary>The RDB value type byte (0 string, 1 list, … 21 stream v3, …).</summary>
    public byte Type { get; init; }

    public byte[]? Value { get; init; }
    public long? IdleSeconds { get; init; }
    public byte? Frequency { get; init; }

    /// <summary>Byte offset of the key record in the (uncompressed) file.</summary>
    public long Offset { get; init; }
}

/// <summary>What a full walk of an RDB file found.</summary>
public sealed record RdbSummary
{
    /// <summary>"REDIS" or "VALKEY".</summary>
    public string Magic { get; init; } = "REDIS";
    public int Version { get; init; }
    public string? RedisVersion { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public long? UsedMemory { get; init; }
    public long Keys { get; init; }
    public long KeysWithExpiry { get; init; }
    public IReadOnlyDictionary<int, long> KeysPerDatabase { get; init; } = new Dictionary<int, long>();

    /// <summary>Every AUX field, in file order (later duplicates win).</summary>
    public IReadOnlyDictionary<string, string> Aux { get; init; } = new Dictionary<string, string>();

    /// <summary>False when the file was written with rdbchecksum no (8 zero bytes) or is older than version 5.</summary>
    public bool ChecksumPresent { get; init; }

    /// <summary>Total bytes of the RDB (uncompressed).</summary>
    public long Bytes { get; init; }
}

/// <summary>A structural problem in an RDB file, with the byte offset where it was found.</summary>
public sealed class RdbFormatException : RedisBackupException
{
    public RdbFormatException(string message, long offset, object? target = null)
        : base(ErrorKind.InvalidData, "RdbCorrupt", $"{message} (at byte offset {offset})", target) => Offset = offset;

    public RdbFormatException() : this("The RDB file is corrupt.", 0) { }
    public RdbFormatException(string message) : this(message, 0) { }
    public RdbFormatException(string message, Exception inner) : base(ErrorKind.InvalidData, "RdbCorrupt", message, null, inner) { }

    public long Offset { get; }
}
