using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Operations;

/// <summary>A request to take one backup into a catalog directory.</summary>
public sealed record BackupRequest
{
    public BackupKind Kind { get; init; } = BackupKind.KeyLevel;

    /// <summary>The server to read (key-level, or a snapshot over replication).</summary>
    public RedisEndpoint? Endpoint { get; init; }

    /// <summary>A Docker container to snapshot with BGSAVE (snapshot kind only); a stopped one gives its data file as it is.</summary>
    public string? Container { get; init; }

    /// <summary>Container snapshot: the Redis user and password for the redis-cli run inside the container (never on its command line).</summary>
    public Docker.ContainerCredentials? ContainerCredentials { get; init; }

    /// <summary>Container snapshot: copy this file of the container as it is instead of saving (a data file kept by an interrupted restore).</summary>
    public string? ContainerFile { get; init; }

    /// <summary>Catalog directory; null means REDISBACKUP_PATH or ./backups/redis.</summary>
    public string? Directory { get; init; }

    /// <summary>Key-level: only these databases (null: every database that holds keys).</summary>
    public IReadOnlyList<int>? Databases { get; init; }

    /// <summary>Key-level: SCAN MATCH pattern.</summary>
    public string? Match { get; init; }

    /// <summary>Key-level: only keys of these types (string, hash, list, set, zset, stream, or a module type name).</summary>
    public IReadOnlyList<string>? Types { get; init; }

    /// <summary>Key-level: store every key as its DUMP payload (exact, bound to the server's RDB version).</summary>
    public bool Exact { get; init; }

    /// <summary>Snapshot: gzip the stored file. Key-level files are always gzip.</summary>
    public bool Compress { get; init; }

    /// <summary>Retention after a successful backup: keep the newest N.</summary>
    public int? Keep { get; init; }

    /// <summary>Retention after a successful backup: remove backups older than this.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>Optional label that becomes part of the file name (e.g. "pre-restore").</summary>
    public string? Label { get; init; }

    /// <summary>
    /// Apply retention even when the new backup holds no keys, or fewer than half the keys of the newest earlier backup
    /// of the same source (by default retention is then held back, so an emptied server never rotates good backups away).
    /// </summary>
    public bool AllowShrink { get; init; }

    /// <summary>Key-level: the export's clock (tests use it to act between SCAN batches). Null means the system clock.</summary>
    internal TimeProvider? Clock { get; init; }

    /// <summary>Key-level: keys the export's key index holds in memory before it spills a sorted run (tests make it small).</summary>
    internal int IndexRunCapacity { get; init; } = IO.SpillSorter.DefaultRunCapacity;

    /// <summary>Key-level: the DUMP payload size over which a key is read in windows (exact mode) and a stream becomes stream records (tests make it small).</summary>
    internal long ExactLimit { get; init; } = Export.KeyScanner.DefaultExactLimit;
}

/// <summary>The result of a backup run: the new backup and what retention removed (or why it removed nothing).</summary>
public sealed record BackupOutcome
{
    public required BackupRecord Backup { get; init; }
    public IReadOnlyList<BackupRecord> Removed { get; init; } = [];

    /// <summary>
    /// Why retention was asked for but held back (the new backup holds no keys, or fewer than half of the previous
    /// one of its source), or null. The backup itself succeeded; fronts show this as a warning.
    /// </summary>
    public string? RetentionHeldBack { get; init; }

    /// <summary>Partial files of interrupted earlier runs that this run removed.</summary>
    public IReadOnlyList<string> StalePartialsRemoved { get; init; } = [];

    /// <summary>
    /// Key-level: why the server's function libraries are not in the backup (FUNCTION DUMP was refused), or null. The
    /// backup itself succeeded; fronts show this as a warning.
    /// </summary>
    public string? FunctionsNotCaptured { get; init; }
}

/// <summary>The result of verifying one backup file.</summary>
public sealed record VerifyResult
{
    public required string Name { get; init; }
    public required string Path { get; init; }
    public BackupKind? Kind { get; init; }
    public BackupFormat Format { get; init; }

    /// <summary>True when the checksum (if recorded) matches and the structure checks out.</summary>
    public bool IsValid { get; init; }

    /// <summary>SHA-256 recomputed now.</summary>
    public string? Sha256 { get; init; }

    /// <summary>True/false when a recorded checksum was compared; null when none was recorded.</summary>
    public bool? ChecksumMatches { get; init; }

    /// <summary>Keys in the file; for a <see cref="VerificationLevel.Partial"/> verification, the keys before the unchecked part.</summary>
    public long? KeyCount { get; init; }

    /// <summary>The databases that hold keys (in order), when the check established them; null otherwise.</summary>
    public IReadOnlyList<int>? Databases { get; init; }

    /// <summary>What is wrong, each with the byte offset where known. Empty when valid.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>When the checks passed: whether all of them ran (Full) or part of the structure could not be checked (Partial).</summary>
    public VerificationLevel? Level { get; init; }

    /// <summary>What was checked, for an RDB file: "checksum OK; structure checked to the end", or where and why it stopped.</summary>
    public string? Note { get; init; }

    /// <summary>The parts of the file no check could cover (empty after a full verification). With strict verification each is also a problem.</summary>
    public IReadOnlyList<string> NotChecked { get; init; } = [];
}
