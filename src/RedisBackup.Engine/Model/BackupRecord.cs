namespace RedisBackup.Engine.Model;

public enum BackupKind
{
    /// <summary>A key-level export (our gzip JSON Lines, or a seed-service JSON backup).</summary>
    KeyLevel,
    /// <summary>A point-in-time RDB snapshot (plain .rdb or .rdb.gz).</summary>
    Snapshot,
}

public enum VerificationState
{
    /// <summary>Never verified, or no metadata records a verification.</summary>
    NotVerified,
    /// <summary>Checksum and structure checked and found good.</summary>
    Verified,
    /// <summary>Checked and found corrupt, truncated or mismatching its checksum.</summary>
    Failed,
}

/// <summary>How much of a backup a successful verification could check.</summary>
public enum VerificationLevel
{
    /// <summary>Every check ran: the checksum and the whole structure.</summary>
    Full,

    /// <summary>
    /// Every check that could run passed, but part of the structure could not be walked: an RDB file of a server newer
    /// than this version of RedisBackup (an unknown type or opcode), whose CRC64 over the whole file matches. The part
    /// after the first unknown byte was covered by the checksum only.
    /// </summary>
    Partial,
}

/// <summary>
/// One backup in a catalog directory. Returned by a backup run, by listing and by lookup, and accepted by restore,
/// verify, copy and remove: the one record type the fronts pipe between each other.
/// </summary>
public sealed record BackupRecord
{
    /// <summary>File name, e.g. "redis-backup-20260117-230436.rdb".</summary>
    public required string Name { get; init; }

    /// <summary>Full path of the backup file.</summary>
    public required string Path { get; init; }

    public required BackupKind Kind { get; init; }

    /// <summary>When the backup was taken, in UTC.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    public long SizeBytes { get; init; }

    /// <summary>True when the file is gzip-compressed.</summary>
    public bool Compressed { get; init; }

    /// <summary>Number of keys, when known (from metadata or a verification walk).</summary>
    public long? KeyCount { get; init; }

    /// <summary>Where it came from: "container:NAME", "redis://host:port" (key-level), "replication:redis://host:port".</summary>
    public string? Source { get; init; }

    /// <summary>The source server's version, e.g. "7.0.15".</summary>
    public string? ServerVersion { get; init; }

    /// <summary>Lower-case hex SHA-256 of the file, when recorded.</summary>
    public string? Sha256 { get; init; }

    public VerificationState Verification { get; init; }

    /// <summary>For a verified backup: whether every check ran (Full) or part of the structure was not checked (Partial).</summary>
    public VerificationLevel? VerificationLevel { get; init; }

    /// <summary>What the last verification checked, when not everything: "checksum OK; structure checked to byte 1234; type 40 at byte 1234 is newer than this version of RedisBackup knows".</summary>
    public string? VerificationNote { get; init; }

    /// <summary>The on-disk format: "rdb", "keys-jsonl" (ours) or "seed-json" (the seed service's), see <see cref="BackupFormat"/>.</summary>
    public BackupFormat Format { get; init; }

    /// <summary>True when a metadata sidecar written by this tool describes the file; false for foreign files.</summary>
    public bool HasMetadata { get; init; }

    /// <summary>
    /// The series the backup belongs to for retention: its kind, its source and, for key-level backups, what it selected
    /// (databases, match pattern, types). Null when the source is not known (a file without this tool's metadata):
    /// retention never removes those.
    /// </summary>
    internal string? Series { get; init; }
}

public enum BackupFormat
{
    Unknown,
    /// <summary>An RDB file, plain or gzip-compressed.</summary>
    Rdb,
    /// <summary>Our key-level export: gzip JSON Lines with header and trailer records.</summary>
    KeysJsonl,
    /// <summary>The seed Python service's single JSON object, plain or gzip.</summary>
    SeedJson,
}
