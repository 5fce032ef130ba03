using RedisBackup.Engine.Errors;
using RedisBackup.Engine.IO;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// One directory of backups: listing, lookup, creation (temp name → verify → rename), metadata sidecars,
/// retention, removal, stats, copy, the lock and the failure journal.
/// </summary>
public sealed class BackupCatalog
{
    /// <summary>The environment variable that names the default catalog directory.</summary>
    public const string PathVariable = "REDISBACKUP_PATH";

    /// <param name="directory">The catalog directory; null means <see cref="ResolveDirectory"/>(null).</param>
    public BackupCatalog(string? directory = null) => Directory = ResolveDirectory(directory);

    /// <summary>Full path of the catalog directory.</summary>
    public string Directory { get; }

    /// <summary>An explicit path, else REDISBACKUP_PATH, else ./backups/redis; always returned as a full path.</summary>
    public static string ResolveDirectory(string? directory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var chosen = !string.IsNullOrWhiteSpace(directory) ? directory
            : environment(PathVariable) is { Length: > 0 } fromEnv && !string.IsNullOrWhiteSpace(fromEnv) ? fromEnv
            : Path.Combine(".", "backups", "redis");
        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(chosen));
    }

    /// <summary>
    /// Every backup in the directory, oldest first (newest last), filtered. A catalog directory that does not exist is
    /// an error (<c>CatalogNotFound</c>), not an empty list: a typo in a monitoring job must not read as "no backups".
    /// </summary>
    public IReadOnlyList<BackupRecord> List(string? namePattern = null, BackupKind? kind = null, int? latest = null)
    {
        if (latest is < 0) throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidLatest, "Latest must not be negative.", latest);
        CatalogDirectory.RequireExisting(Directory);
        return CatalogScanner.Filter(CatalogScanner.Scan(Directory), namePattern, kind, latest);
    }

    /// <summary>
    /// The backup with this file name. Rejects names with separators, "..", or absolute paths, links that lead out of
    /// the catalog (<c>BackupOutsideCatalog</c>) and anything that is not a regular file (<c>NotABackup</c>).
    /// </summary>
    public BackupRecord Get(string name)
    {
        BackupNameValidator.Validate(name);
        var path = Path.Combine(Directory, name);
        var file = new FileInfo(path);
        if ((!file.Exists && file.LinkTarget is null) || !BackupNaming.HasBackupExtension(name))
            throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"There is no backup named '{name}' in {Directory}.", name);
        BackupNameValidator.EnsureInsideCatalog(path, Directory);
        var (content, problem) = Classify(file);
        if (problem is not null)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.NotABackup, $"'{name}' in {Directory} is {problem}, so it is not a backup; it was left alone.", name);
        var record = Inspect(file);
        return content is null ? record : record with { SizeBytes = content.Length };
    }

    /// <summary>Describes any backup file by path (in a catalog or not): sidecar metadata if present, else a cheap header read.</summary>
    public static BackupRecord Describe(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var file = new FileInfo(Path.GetFullPath(path));
        var kind = RegularFile.KindOf(file.FullName);
        if (kind is null)
            throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"The backup file '{path}' does not exist.", path);
        if (kind != UnixFileKind.Regular)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.NotABackup, $"'{path}' is a {UnixFile.DescribeKind(kind.Value)}, not a regular file, so it is not a backup.", path);
        return Inspect(file);
    }

    private (FileInfo? Content, string? Problem) Classify(FileInfo file)
    {
        try
        {
            return CatalogScanner.Classify(file, Directory);
        }
        catch (FileNotFoundException ex)
        {
            throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"There is no backup named '{file.Name}' in {Directory}.", file.Name, ex);
        }
    }

    private static BackupRecord Inspect(FileInfo file)
    {
        try
        {
            return BackupInspector.Describe(file);
        }
        catch (RegularFile.NotRegularException ex)
        {
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.NotABackup, $"{ex.Message.TrimEnd('.')}, so it is not a backup.", file.FullName, ex);
        }
    }


    /// <summary>Takes the catalog's exclusive lock; throws ResourceBusy with a clear message when another run holds it.</summary>
    public IDisposable AcquireLock() => CatalogLock.Acquire(Directory);

    /// <summary>Creates the directory (owner-only) if needed and opens a temporary file (owner-only) for a new backup.</summary>
    internal PendingBackup CreatePending(BackupKind kind, BackupFormat format, bool compressed, DateTimeOffset createdAt, string? label = null)
        => BackupCommitter.CreatePending(Directory, kind, format, compressed, createdAt, label);

    /// <summary>Flushes, renames the pending file to its final name and writes its metadata and SHA-256 sidecars.</summary>
    internal BackupRecord Commit(PendingBackup pending, BackupMetadata metadata)
        => BackupCommitter.Commit(Directory, pending, metadata, DateTimeOffset.UtcNow, written: null);

    /// <summary>
    /// As <see cref="Commit(PendingBackup, BackupMetadata)"/>, for a file whose bytes were hashed as they were written:
    /// the file is not read again, but its length must equal <paramref name="bytes"/>.
    /// </summary>
    internal BackupRecord Commit(PendingBackup pending, BackupMetadata metadata, string sha256, long bytes)
        => BackupCommitter.Commit(Directory, pending, metadata, DateTimeOffset.UtcNow, written: (sha256, bytes));

    /// <summary>
    /// Applies keep-N / max-age per series (kind, source, key selection; see <see cref="RetentionPlanner"/>): after a
    /// backup only the series of <paramref name="justMade"/>. Never removes <paramref name="justMade"/>, the newest backup
    /// of a series that verifies, or a file whose source is unknown.
    /// </summary>
    public IReadOnlyList<BackupRecord> ApplyRetention(RetentionPolicy policy, BackupRecord? justMade, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Keep is < 1) throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidKeep, "Keep must be at least 1: the backup just made is always kept.", policy.Keep);
        if (policy.MaxAge is { } age && age <= TimeSpan.Zero) throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidMaxAge, "MaxAge must be positive.", age);
        var plan = RetentionPlanner.Plan(CatalogScanner.Scan(Directory), policy, justMade, DateTimeOffset.UtcNow);
        if (dryRun) return plan;
        if (plan.Count > 0) CatalogDirectory.Prepare(Directory);
        var removed = new List<BackupRecord>();
        foreach (var b in plan)
        {
            if (BackupRemover.TryRemoveForRetention(Directory, b)) removed.Add(b);
        }
        return removed;
    }

    /// <summary>
    /// What <see cref="ApplyRetention"/> would remove after a backup not yet made: <paramref name="planned"/> joins the
    /// listing as the newest verified backup of its series. Changes nothing.
    /// </summary>
    internal IReadOnlyList<BackupRecord> PreviewRetention(RetentionPolicy policy, BackupRecord planned)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(planned);
        var listing = CatalogScanner.Scan(Directory);
        listing.Add(planned);
        return RetentionPlanner.Plan(listing, policy, planned, planned.CreatedAt);
    }

    /// <summary>Removes a backup and its sidecars. Refuses names that escape the catalog, and symlinks pointing out of it.</summary>
    public BackupRecord Remove(string name, bool dryRun = false) => BackupRemover.Remove(Directory, name, dryRun);

    /// <summary>
    /// Why retention should be held back after <paramref name="justMade"/> (it holds no keys, or fewer than half of the
    /// newest earlier backup of its series, and retention would remove backups that hold keys), or null.
    /// </summary>
    public string? RetentionHoldBack(RetentionPolicy policy, BackupRecord justMade)
    {
        ArgumentNullException.ThrowIfNull(justMade);
        var listing = CatalogScanner.Scan(Directory);
        return RetentionPlanner.HoldBack(listing, justMade, RetentionPlanner.Plan(listing, policy, justMade, DateTimeOffset.UtcNow));
    }

    /// <summary>Statistics of an existing catalog directory (<c>CatalogNotFound</c> when it does not exist).</summary>
    public CatalogStats GetStats()
    {
        CatalogDirectory.RequireExisting(Directory);
        return CatalogStatistics.Compute(Directory, CatalogScanner.ScanAll(Directory), DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Appends a failed attempt to the catalog's journal. Never throws: returns null when it was recorded, else why not
    /// (the caller then says so in its own error, so a failure is never silent).
    /// </summary>
    public string? RecordFailure(string operation, string? source, Exception error, string? target = null)
        => FailureJournal.Append(Directory, operation, source, target, error, DateTimeOffset.UtcNow);

    /// <summary>Creates the journal's preallocated slots if missing, so a failure on a full disk can still be recorded; refuses an unsafe journal file.</summary>
    internal void PrepareJournal() => FailureJournal.Prepare(Directory);

    /// <summary>Removes the ".partial" files that no process writes any more and that are older than <paramref name="before"/>; returns their names.</summary>
    internal IReadOnlyList<string> RemoveStalePartials(DateTimeOffset before) => PartialFiles.RemoveStale(Directory, before, DateTimeOffset.UtcNow);

    /// <summary>Copies a backup (and its sidecars) to a directory or file, then checks the copy's SHA-256.</summary>
    public static BackupRecord Copy(BackupRecord backup, string destination, bool overwrite = false) => BackupCopier.Copy(backup, destination, overwrite);
}
