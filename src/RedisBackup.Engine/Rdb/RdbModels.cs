using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Rdb;

/// <summary>What an <see cref="RdbEntry"/> is.</summary>
internal enum RdbEntryKind
{
    /// <summary>A key with its value.</summary>
    Key,

    /// <summary>
    /// A replication command written inline by a Valkey 9.2 forkless save (opcode UPDATE): the replica replays it while it
    /// loads. <see cref="RdbEntry.Command"/> holds its arguments; there is no key or value.
    /// </summary>
    Command,
}

/// <summary>
/// One record read from an RDB file: a key (<see cref="Value"/> holds the exact rdbSaveObject bytes; null in skip mode),
/// or an inline command. Carries what a consumer needs to interpret the value without the rest of the file: the type byte,
/// the family (type 22 is a different layout in Redis and Valkey), the key's metadata record and, for a hash stored as a
/// reference to a hash template, the template's field names.
/// </summary>
internal sealed record RdbEntry
{
    public RdbEntryKind Kind { get; init; } = RdbEntryKind.Key;

    public int Database { get; init; }
    public required byte[] Key { get; init; }

    /// <summary>Absolute expiry in Unix milliseconds, or null.</summary>
    public long? ExpireAtMs { get; init; }

    /// <summary>The RDB value type byte (0 string, 1 list, … 21 stream v3, …); see <see cref="RdbFormatCatalog"/>.</summary>
    public byte Type { get; init; }

    /// <summary>Which family wrote the file (decides what types 22 and 23 mean).</summary>
    public RdbFamily Family { get; init; }

    public byte[]? Value { get; init; }
    public long? IdleSeconds { get; init; }
    public byte? Frequency { get; init; }

    /// <summary>
    /// Redis 8.6+: the key's KEY_META record exactly as stored (opcode 0xF3, class count, classes), null when the key has
    /// none. A RESTORE payload carries it before the type byte.
    /// </summary>
    public byte[]? KeyMetadata { get; init; }

    /// <summary>Types 30 and 32 (hash template references): the field names of the template the value refers to.</summary>
    public IReadOnlyList<byte[]>? HashTemplate { get; init; }

    /// <summary>For <see cref="RdbEntryKind.Command"/>: the command and its arguments.</summary>
    public IReadOnlyList<byte[]>? Command { get; init; }

    /// <summary>Byte offset of the record (its first prefix opcode, or its type byte) in the (uncompressed) file.</summary>
    public long Offset { get; init; }

    /// <summary>The length of the value in the file (its serialized size, as a DUMP payload holds it less 11 bytes); -1 when not read yet.</summary>
    public long ValueLength { get; init; } = -1;
}

/// <summary>
/// The first part of a file this reader could not check, in a file whose CRC64 over the whole file is correct: written by
/// a server newer than this reader (an unknown type or opcode), or holding a type whose layout this reader does not know.
/// Everything before <see cref="Offset"/> was checked; the bytes from there to the end were covered by the checksum only.
/// </summary>
/// <param name="Offset">Byte offset of the type or opcode byte.</param>
/// <param name="Code">That byte.</param>
/// <param name="Reason">Why it could not be passed, e.g. "type 40 at byte 123 is newer than this version of RedisBackup knows".</param>
internal sealed record RdbUncheckedPart(long Offset, byte Code, string Reason);

/// <summary>What a full walk of an RDB file found.</summary>
internal sealed record RdbSummary
{
    /// <summary>"REDIS" or "VALKEY".</summary>
    public string Magic { get; init; } = "REDIS";
    public int Version { get; init; }
    public string? RedisVersion { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public long? UsedMemory { get; init; }

    /// <summary>Keys read (before <see cref="Unchecked"/> when part of the file could not be checked).</summary>
    public long Keys { get; init; }
    public long KeysWithExpiry { get; init; }
    public IReadOnlyDictionary<int, long> KeysPerDatabase { get; init; } = new Dictionary<int, long>();

    /// <summary>Every AUX field, in file order (later duplicates win).</summary>
    public IReadOnlyDictionary<string, string> Aux { get; init; } = new Dictionary<string, string>();

    /// <summary>False when the file was written with rdbchecksum no (8 zero bytes) or is older than version 5.</summary>
    public bool ChecksumPresent { get; init; }

    /// <summary>Total bytes of the RDB (uncompressed).</summary>
    public long Bytes { get; init; }

    /// <summary>Function libraries (FUNCTION2 records, Redis 7.0+).</summary>
    public long FunctionLibraries { get; init; }

    /// <summary>Module auxiliary data records (MODULE_AUX).</summary>
    public long ModuleAuxRecords { get; init; }

    /// <summary>Hash templates defined in the file (Redis 8.10+).</summary>
    public long HashTemplates { get; init; }

    /// <summary>Keys that carry a KEY_META record (Redis 8.6+).</summary>
    public long KeysWithMetadata { get; init; }

    /// <summary>Inline replication commands (Valkey 9.2 UPDATE records).</summary>
    public long InlineCommands { get; init; }

    /// <summary>True when the header names a format version newer than this reader knows.</summary>
    public bool NewerThanReader { get; init; }

    /// <summary>Null when the whole structure was checked; otherwise the first part that could not be (the checksum covered it).</summary>
    public RdbUncheckedPart? Unchecked { get; init; }

    /// <summary>True when every byte was checked by the structure walk (and by the checksum, when present).</summary>
    public bool IsComplete => Unchecked is null;

    /// <summary>
    /// What was checked, in one sentence: "checksum OK; structure checked to the end", or for a file of a newer server
    /// "checksum OK; structure checked to byte 1234; type 40 at byte 1234 is newer than this version of RedisBackup knows".
    /// </summary>
    public string CheckDescription
    {
        get
        {
            var checksum = ChecksumPresent ? "checksum OK" : "no checksum recorded";
            return Unchecked is { } part
                ? $"{checksum}; structure checked to byte {part.Offset}; {part.Reason}"
                : $"{checksum}; structure checked to the end" + (NewerThanReader ? $" (format version {Version} is newer than this reader knows, but every record in it has a known layout)" : "");
        }
    }
}

/// <summary>A structural problem in an RDB file, with the byte offset where it was found.</summary>
public sealed class RdbFormatException : RedisBackupException
{
    public RdbFormatException(string message, long offset, object? target = null)
        : base(ErrorKind.InvalidData, ErrorIds.RdbCorrupt, $"{message} (at byte offset {offset})", target)
    {
        Offset = offset;
        Detail = message;
    }

    public RdbFormatException() : this("The RDB file is corrupt.", 0) { }
    public RdbFormatException(string message) : this(message, 0) { }
    public RdbFormatException(string message, Exception inner) : base(ErrorKind.InvalidData, ErrorIds.RdbCorrupt, message, null, inner) => Detail = message;

    public long Offset { get; }

    /// <summary>The problem without the offset suffix.</summary>
    public string Detail { get; } = "";
}
