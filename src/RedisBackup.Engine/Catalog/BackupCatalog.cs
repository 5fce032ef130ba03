namespace RedisBackup.Engine.Catalog;

/// <summary>
/// One directory of backups: listing, lookup, creation (temp name → verify → rename), metadata sidecars,
/// retention, removal, stats, copy, the lock and the failure journal.
/// </summary>
public sealed class BackupCatalog
{
    /// <param name="directory">The catalog directory; null means <see cref="ResolveDirectory"/>(null).</param>
    public BackupCatalog(string? directory = null) => Directory = ResolveDirectory(directory);

    /// <summary>Full path of the catalog directory.</summary>
    public string Directory { get; }

    /// <summary>An explicit path, else REDISBACKUP_PATH, else ./backups/redis; always returned as a full path.</summary>
    public static string ResolveDirectory(string? directory, Func<string, string?>? environment = null)
        => throw new NotImplementedException();

    /// <summary>Every backup in the directory, oldest first (newest last), filtered.</summary>
    public IReadOnlyList<BackupRecord> List(string? namePattern = null, BackupKind? kind = null, int? latest = null)
        => throw new NotImplementedException();

    /// <summary>The backup with this file name. Rejects names with separators, "..", or absolute paths.</summary>
    public BackupRecord Get(string name) => throw new NotImplementedException();

    /// <summary>Describes any backup file by path (in a catalog or not): sidecar metadata if present, else a cheap header read.</summary>
    public static BackupRecord Describe(string path) => throw new NotImplementedException();

    /// <summary>Takes the catalog's exclusive lock; throws ResourceBusy with a clear message when another run holds it.</summary>
    public IDisposable AcquireLock() => throw new NotImplementedException();

    /// <summary>Creates the directory (owner-only) if needed and opens a temporary file (owner-only) for a new backup.</summary>
    public PendingBackup CreatePending(BackupKind kind, BackupFormat format, bool compressed, DateTimeOffset createdAt, string? label = null)
        => throw new NotImplementedException();

    /// <summary>Flushes, renames the pending file to its final name and writes its metadata and SHA-256 sidecars.</summary>
    public BackupRecord Commit(PendingBackup pending, BackupMetadata metadata) => throw new NotImplementedException();

    /// <summary>Applies keep-N / max-age. Never removes <paramref name="justMade"/> or the last backup that verifies.</summary>
    public IReadOnlyList<BackupRecord> ApplyRetention(RetentionPolicy policy, BackupRecord? justMade, bool dryRun = false)
        => throw new NotImplementedException();

    /// <summary>Removes a backup and its sidecars. Refuses names that escape the catalog, and symlinks pointing out of it.</summary>
    public BackupRecord Remove(string name, bool dryRun = false) => throw new NotImplementedException();

    public CatalogStats GetStats() => throw new NotImplementedException();

    /// <summary>Appends a failed attempt to the catalog's journal (best effort: never throws).</summary>
    public void RecordFailure(string operation, string? source, Exception error) => throw new NotImplementedException();

    /// <summary>Copies a backup (and its sidecars) to a directory or file, then checks the copy's SHA-256.</summary>
    public static BackupRecord Copy(BackupRecord backup, string destination, bool overwrite = false) => throw new NotImplementedException();
}
