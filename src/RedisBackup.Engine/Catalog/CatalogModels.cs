using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Catalog;

/// <summary>What a backup run knows about the file it just wrote; stored in the metadata sidecar.</summary>
public sealed record BackupMetadata
{
    public long? KeyCount { get; init; }
    public string? Source { get; init; }
    public string? ServerVersion { get; init; }

    /// <summary>True when the file was verified (structure walk or trailer check) before commit.</summary>
    public bool Verified { get; init; }

    /// <summary>For a verified file: whether every check ran.</summary>
    public VerificationLevel VerificationLevel { get; init; } = VerificationLevel.Full;

    /// <summary>What could not be checked, for a partially verified file.</summary>
    public string? VerificationNote { get; init; }

    /// <summary>Free-form options recorded for information (match pattern, exact mode, databases, …).</summary>
    public IReadOnlyDictionary<string, string>? Options { get; init; }

    /// <summary>The databases that hold keys in the file, as its verification found them (a restore checks them against the target first).</summary>
    public IReadOnlyList<int>? Databases { get; init; }
}

public sealed record RetentionPolicy(int? Keep, TimeSpan? MaxAge);

/// <summary>
/// A failed attempt, as recorded in the catalog journal: a backup or restore that failed or was cancelled ("Cancelled"),
/// or a run skipped because another held the catalog ("CatalogLocked").
/// </summary>
public sealed record FailedAttempt(DateTimeOffset At, string Operation, string? Source, string ErrorId, string Message)
{
    /// <summary>What the operation acted on besides its source: a restore's target server or container.</summary>
    public string? Target { get; init; }
}

/// <summary>A hidden ".partial" file: a backup (or copy, or sidecar) being written, or left behind by a run that died.</summary>
public sealed record PartialFile
{
    public required string Name { get; init; }
    public long SizeBytes { get; init; }
    public DateTimeOffset ModifiedAt { get; init; }

    /// <summary>True when no process writes it any more (nobody holds its lock): the next backup run removes it.</summary>
    public bool Stale { get; init; }
}

/// <summary>A directory entry named like a backup that is not listed as one, and why (a FIFO, a link out of the catalog, …).</summary>
public sealed record IgnoredEntry(string Name, string Reason);

/// <summary>Catalog statistics (the seed service's stats endpoint, and more).</summary>
public sealed record CatalogStats
{
    public required string Directory { get; init; }
    public int TotalBackups { get; init; }
    public long TotalSizeBytes { get; init; }
    public BackupRecord? Latest { get; init; }
    public BackupRecord? Oldest { get; init; }
    public int SnapshotCount { get; init; }
    public int KeyLevelCount { get; init; }
    public BackupRecord? LatestVerified { get; init; }

    /// <summary>Age of the newest verified backup at the time the stats were taken.</summary>
    public TimeSpan? LatestVerifiedAge { get; init; }

    /// <summary>Free bytes on the volume holding the catalog.</summary>
    public long? FreeSpaceBytes { get; init; }

    public FailedAttempt? LastFailure { get; init; }

    /// <summary>The newest failed or cancelled restore recorded in the journal (it may be older than <see cref="LastFailure"/>).</summary>
    public FailedAttempt? LastRestoreFailure { get; init; }

    /// <summary>Hidden ".partial" files in the catalog: in use, or left by a run that died (Stale; the next backup removes them).</summary>
    public IReadOnlyList<PartialFile> PartialFiles { get; init; } = [];

    /// <summary>Entries named like backups that are not listed: FIFOs, sockets, directories, links that leave the catalog.</summary>
    public IReadOnlyList<IgnoredEntry> Ignored { get; init; } = [];
}

/// <summary>
/// A backup being written: a temporary, owner-only file in the catalog directory. Dispose without
/// <see cref="BackupCatalog.Commit(PendingBackup, BackupMetadata)"/> deletes it, so nothing partial ever looks like a backup.
/// </summary>
internal sealed class PendingBackup : IDisposable
{
    private bool _disposed;

    internal PendingBackup(string tempPath, string finalName, BackupKind kind, BackupFormat format, bool compressed, DateTimeOffset createdAt, FileStream stream)
    {
        TempPath = tempPath;
        FinalName = finalName;
        Kind = kind;
        Format = format;
        Compressed = compressed;
        CreatedAt = createdAt;
        Stream = stream;
    }

    public string TempPath { get; }
    /// <summary>The name the backup gets at commit (a "-2" suffix is added there if another file took it meanwhile).</summary>
    public string FinalName { get; internal set; }
    public BackupKind Kind { get; }
    public BackupFormat Format { get; }
    public bool Compressed { get; }
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The open write stream of the temporary file. Callers may wrap it (gzip) but must not dispose it.</summary>
    public FileStream Stream { get; }

    public bool Committed { get; internal set; }

    /// <summary>The name without collision suffix or extension, e.g. "redis-backup-20260117-230436".</summary>
    internal string BaseName { get; init; } = "";

    /// <summary>The extension of the final name, e.g. ".rdb.gz".</summary>
    internal string Extension { get; init; } = "";

    /// <summary>
    /// Closes the file and, unless it was committed, deletes it, whatever closing throws: the buffered tail of an
    /// abandoned file may not fit on a full disk, and that must not keep the partial file.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            Stream.Dispose();
        }
        catch (IOException) when (!Committed)
        {
            // The unwritten tail of a file that is deleted anyway.
        }
        finally
        {
            if (!Committed) AtomicFile.TryDelete(TempPath);
        }
    }
}
