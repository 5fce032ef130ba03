using System.Collections.ObjectModel;
using System.Globalization;
using RedisBackup.Engine.Errors;
using EngineCatalog = RedisBackup.Engine.Catalog;

namespace RedisBackup.PowerShell;

/// <summary>The last failed attempt recorded in a catalog's journal (read-only).</summary>
public sealed class FailedAttempt
{
    private FailedAttempt(EngineCatalog.FailedAttempt source)
    {
        At = source.At;
        Operation = source.Operation;
        Source = source.Source;
        ErrorId = source.ErrorId;
        Message = source.Message;
        Target = source.Target;
    }

    public DateTimeOffset At { get; }
    public string Operation { get; }
    public string? Source { get; }
    public string ErrorId { get; }
    public string Message { get; }

    /// <summary>What the operation acted on besides its source: a restore's target server or container.</summary>
    public string? Target { get; }

    public override string ToString()
        => $"{At.ToString("u", CultureInfo.InvariantCulture)} {Operation} {(ErrorId == ErrorIds.Cancelled ? "cancelled" : $"failed ({ErrorId})")}: {Message}";

    internal static FailedAttempt? FromOrNull(EngineCatalog.FailedAttempt? source) => source is null ? null : new(source);
}

/// <summary>A hidden ".partial" file in a catalog: a backup being written, or left by a run that died (read-only).</summary>
public sealed class PartialFile
{
    private PartialFile(EngineCatalog.PartialFile source)
    {
        Name = source.Name;
        SizeBytes = source.SizeBytes;
        ModifiedAt = source.ModifiedAt;
        Stale = source.Stale;
    }

    public string Name { get; }
    public long SizeBytes { get; }
    public DateTimeOffset ModifiedAt { get; }

    /// <summary>True when no process writes it any more: the next backup run removes it.</summary>
    public bool Stale { get; }

    public override string ToString() => $"{Name} ({BackupRecord.Size(SizeBytes)}, {(Stale ? "left by an interrupted run" : "being written")})";

    internal static PartialFile From(EngineCatalog.PartialFile source) => new(source ?? throw new ArgumentNullException(nameof(source)));
}

/// <summary>A catalog entry named like a backup that is not listed as one, and why (read-only).</summary>
public sealed class IgnoredEntry
{
    private IgnoredEntry(EngineCatalog.IgnoredEntry source)
    {
        Name = source.Name;
        Reason = source.Reason;
    }

    public string Name { get; }

    /// <summary>Why it is not a backup: a FIFO, a socket, a directory, a link that leaves the catalog, ...</summary>
    public string Reason { get; }

    public override string ToString() => $"{Name}: {Reason}";

    internal static IgnoredEntry From(EngineCatalog.IgnoredEntry source) => new(source ?? throw new ArgumentNullException(nameof(source)));
}

/// <summary>Statistics of a backup catalog (read-only).</summary>
public sealed class CatalogStats
{
    private CatalogStats(EngineCatalog.CatalogStats source)
    {
        Directory = source.Directory;
        TotalBackups = source.TotalBackups;
        TotalSizeBytes = source.TotalSizeBytes;
        Latest = BackupRecord.FromOrNull(source.Latest);
        Oldest = BackupRecord.FromOrNull(source.Oldest);
        SnapshotCount = source.SnapshotCount;
        KeyLevelCount = source.KeyLevelCount;
        LatestVerified = BackupRecord.FromOrNull(source.LatestVerified);
        LatestVerifiedAge = source.LatestVerifiedAge;
        FreeSpaceBytes = source.FreeSpaceBytes;
        LastFailure = FailedAttempt.FromOrNull(source.LastFailure);
        LastRestoreFailure = FailedAttempt.FromOrNull(source.LastRestoreFailure);
        PartialFiles = new ReadOnlyCollection<PartialFile>(source.PartialFiles.Select(PartialFile.From).ToList());
        Ignored = new ReadOnlyCollection<IgnoredEntry>(source.Ignored.Select(IgnoredEntry.From).ToList());
    }

    public string Directory { get; }
    public int TotalBackups { get; }
    public long TotalSizeBytes { get; }
    public BackupRecord? Latest { get; }
    public BackupRecord? Oldest { get; }
    public int SnapshotCount { get; }
    public int KeyLevelCount { get; }
    public BackupRecord? LatestVerified { get; }

    /// <summary>Age of the newest verified backup at the time the stats were taken.</summary>
    public TimeSpan? LatestVerifiedAge { get; }

    /// <summary>Free bytes on the volume holding the catalog.</summary>
    public long? FreeSpaceBytes { get; }

    public FailedAttempt? LastFailure { get; }

    /// <summary>The newest failed or cancelled restore recorded in the journal (it may be older than <see cref="LastFailure"/>).</summary>
    public FailedAttempt? LastRestoreFailure { get; }

    /// <summary>Hidden ".partial" files: in use, or left by a run that died (Stale; the next backup removes them).</summary>
    public ReadOnlyCollection<PartialFile> PartialFiles { get; }

    /// <summary>Entries named like backups that are not listed: FIFOs, sockets, directories, links that leave the catalog.</summary>
    public ReadOnlyCollection<IgnoredEntry> Ignored { get; }

    public override string ToString()
        => $"{TotalBackups.ToString(CultureInfo.InvariantCulture)} backups ({BackupRecord.Size(TotalSizeBytes)}) in {Directory}";

    internal static CatalogStats From(EngineCatalog.CatalogStats source) => new(source ?? throw new ArgumentNullException(nameof(source)));
}
