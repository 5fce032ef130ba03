namespace RedisBackup.Engine.Model;

/// <summary>What to do with a key that already exists in the target.</summary>
public enum ExistingKeyPolicy
{
    /// <summary>Leave it and count it as skipped (the seed service's default).</summary>
    Skip,
    /// <summary>Overwrite it.</summary>
    Replace,
    /// <summary>Empty each target database first (FLUSHDB), for an exact copy. Fronts must confirm this explicitly.</summary>
    Flush,
}

/// <summary>How expiry times are restored.</summary>
public enum TtlMode
{
    /// <summary>Keep the original absolute expiry; keys whose expiry has passed are not restored (counted as expired).</summary>
    Absolute,
    /// <summary>Restore the remaining TTL recorded at backup time, counted from now (the seed service's behaviour).</summary>
    Relative,
}

/// <summary>Options shared by every restore path (key-level file, RDB replayed live).</summary>
public sealed record RestoreOptions
{
    public ExistingKeyPolicy ExistingKeys { get; init; } = ExistingKeyPolicy.Skip;
    public TtlMode Ttl { get; init; } = TtlMode.Absolute;

    /// <summary>Put every key into this database instead of the one it came from.</summary>
    public int? TargetDatabase { get; init; }

    /// <summary>Stop at the first key that fails instead of reporting it and going on.</summary>
    public bool FailFast { get; init; }

    /// <summary>
    /// Refuse, before anything is written, to restore a backup holding hash field TTLs into a server without hash
    /// field expiration (older than Redis 7.4 / Valkey 9). Without it the fields are restored without their TTLs,
    /// which are counted in <see cref="RestoreResult.FieldTtlsLost"/> and named in <see cref="RestoreResult.Warnings"/>.
    /// </summary>
    public bool RequireFieldTtl { get; init; }

    /// <summary>
    /// The databases the backup holds keys in, when known before it is read (RestoreOperation takes them from the
    /// verification): each is checked against the target before anything is written. Others are checked when first met.
    /// </summary>
    internal IReadOnlyCollection<int>? KnownSourceDatabases { get; init; }

    /// <summary>Clock used for TTL decisions (tests may pin it). Null means the system clock.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>Restore only the keys of these source databases (null or empty: every database).</summary>
    public IReadOnlyList<int>? Databases { get; init; }

    /// <summary>Restore only the keys matching this glob pattern, as Redis's SCAN MATCH matches (null: every key).</summary>
    public string? Match { get; init; }

    /// <summary>Restore only the keys of these types: string, hash, list, set, zset, stream, a module type name, or "module" (null or empty: every type).</summary>
    public IReadOnlyList<string>? Types { get; init; }

    /// <summary>
    /// Write every key with logical commands (decoded from its payload or RDB value), even where the target would accept
    /// its RESTORE payload. Without it, only the keys the target cannot take as a payload are replayed logically.
    /// </summary>
    public bool AlwaysReplay { get; init; }

    /// <summary>True when a database, pattern or type filter is set.</summary>
    public bool Filters => Databases is { Count: > 0 } || !string.IsNullOrEmpty(Match) || Types is { Count: > 0 };
}

/// <summary>One key that could not be restored.</summary>
public sealed record KeyFailure(int Database, string Key, string Reason);

/// <summary>One key that was restored with something left out (e.g. hash field TTLs the target cannot keep).</summary>
public sealed record KeyWarning(int Database, string Key, string Reason);

/// <summary>A function library that could not be restored, and the server's reason.</summary>
public sealed record FunctionFailure(string Library, string Reason);

/// <summary>
/// What a restore did with the backup's function libraries (Redis 7.0+, Valkey). A library the target already has is
/// skipped by default, replaced with the replace policy; the flush policy removes every library of the target first.
/// </summary>
public sealed record FunctionRestoreResult
{
    /// <summary>Libraries in the backup.</summary>
    public int Libraries { get; init; }

    public int Restored { get; init; }

    /// <summary>Libraries the target already had (skip policy): left as they are.</summary>
    public int Skipped { get; init; }

    public int Failed { get; init; }

    /// <summary>
    /// Libraries left out because the restore was filtered (<c>--db</c>, <c>--match</c>, <c>--type</c> select keys;
    /// function libraries are not keys): all of them, or 0. Nothing was sent to the target for them.
    /// </summary>
    public int NotSelected { get; init; }

    /// <summary>The libraries left out by a filtered restore.</summary>
    public IReadOnlyList<string> NotSelectedLibraries { get; init; } = [];

    /// <summary>How they went in: "restore" (FUNCTION RESTORE of the payload), or "load" (FUNCTION LOAD of each library's code,
    /// for a target that cannot take the payload's RDB version), or "restore, load" when both were needed; "none" when a filtered restore left them out.</summary>
    public string Method { get; init; } = "restore";

    /// <summary>The libraries skipped because the target had them.</summary>
    public IReadOnlyList<string> SkippedLibraries { get; init; } = [];

    /// <summary>Each library that failed, with the server's reason.</summary>
    public IReadOnlyList<FunctionFailure> Failures { get; init; } = [];
}

/// <summary>A key in a database (the key as text, or "base64:…" when it is not valid UTF-8).</summary>
public sealed record KeyPosition(int Database, string Key);

/// <summary>
/// A big key (written in several commands) that a stop cut off part-way. <see cref="Removed"/>: its partial value was
/// deleted again; false when the connection no longer allowed it, so an incomplete value may be on the target.
/// </summary>
public sealed record IncompleteKey(int Database, string Key, bool Removed);

/// <summary>The result of a restore, shared by both fronts.</summary>
public sealed record RestoreResult
{
    /// <summary>The backup that was restored.</summary>
    public string? BackupPath { get; init; }

    /// <summary>Where it went: "redis://host:port" or "container:NAME".</summary>
    public string Target { get; init; } = "";

    /// <summary>"live" (keys written into a running server) or "container" (file swapped, container restarted).</summary>
    public string Method { get; init; } = "live";

    /// <summary>
    /// The database every key was written into, when the restore put them all into one (the target-database option, or
    /// the database of the target's URI); null when each key went back to the database it came from.
    /// </summary>
    public int? Database { get; init; }

    public long Restored { get; init; }
    public long Skipped { get; init; }
    public long Expired { get; init; }
    public long Failed { get; init; }

    /// <summary>Keys in the backup (restored + skipped + expired + failed).</summary>
    public long Total { get; init; }

    /// <summary>Up to the first 1,000 failures with their reasons; <see cref="Failed"/> counts all.</summary>
    public IReadOnlyList<KeyFailure> Failures { get; init; } = [];

    /// <summary>Hash field TTLs set on the restored keys.</summary>
    public long FieldTtlsKept { get; init; }

    /// <summary>
    /// Hash field TTLs of restored keys that the target could not keep (it has no hash field expiration): the fields
    /// were written without them. The keys are named in <see cref="Warnings"/>.
    /// </summary>
    public long FieldTtlsLost { get; init; }

    /// <summary>Hash fields not written because their own expiry had passed (in keys restored or counted as expired).</summary>
    public long FieldsExpired { get; init; }

    /// <summary>Keys restored with something left out (e.g. their hash field TTLs); <see cref="Warnings"/> names the first 1,000.</summary>
    public long KeysWithWarnings { get; init; }

    /// <summary>Up to the first 1,000 keys restored with something left out, with what; <see cref="KeysWithWarnings"/> counts all.</summary>
    public IReadOnlyList<KeyWarning> Warnings { get; init; } = [];

    /// <summary>
    /// Keys restored with logical commands decoded from their payload or RDB value, because the target cannot take the
    /// payload (a newer RDB version, the other family) or the value was too big to hold whole; part of <see cref="Restored"/>.
    /// </summary>
    public long Replayed { get; init; }

    /// <summary>
    /// Parts of replayed values the target cannot represent, counted one by one (a consumer's seen time, a pending entry
    /// whose message was deleted, …); the keys are named in <see cref="Warnings"/> with what was left out.
    /// </summary>
    public long DetailsNotKept { get; init; }

    /// <summary>Keys of the backup left out by the database, pattern or type filters (not counted in <see cref="Total"/>).</summary>
    public long NotSelected { get; init; }

    /// <summary>
    /// False when the restore stopped part-way (Ctrl+C, a lost connection, a server that stopped answering, fail-fast, a
    /// damaged file): such a result comes with a <see cref="RestoreInterruptedException"/>, and its counts say how far it
    /// got. <see cref="Total"/> is then the keys read and handled so far, not the backup's key count.
    /// </summary>
    public bool Complete { get; init; } = true;

    /// <summary>
    /// Keys whose commands were sent but whose replies never came (the connection failed or the server stopped
    /// answering): they may or may not be on the target. Zero for a complete restore and for a clean stop.
    /// </summary>
    public long Unconfirmed { get; init; }

    /// <summary>The last key the target confirmed as written, if any.</summary>
    public KeyPosition? LastWritten { get; init; }

    /// <summary>A big key that a stop cut off part-way, if any.</summary>
    public IncompleteKey? IncompleteKey { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>For a container restore: the safety snapshot taken before anything changed, if one was taken.</summary>
    public BackupRecord? SafetySnapshot { get; init; }

    /// <summary>For a container restore: what was checked after the restart to prove the server holds the backup's data.</summary>
    public string? Checked { get; init; }

    /// <summary>
    /// For a container restore: a data file an earlier, interrupted restore had kept in the container, copied into the
    /// catalog before this restore replaced it (null when there was none).
    /// </summary>
    public BackupRecord? InterruptedRestoreCopy { get; init; }

    /// <summary>The backup's function libraries and what became of them; null when it holds none.</summary>
    public FunctionRestoreResult? Functions { get; init; }

    public bool Success => Failed == 0 && Complete && (Functions?.Failed ?? 0) == 0;
}
