using System.Globalization;
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
    }

    public DateTimeOffset At { get; }
    public string Operation { get; }
    public string? Source { get; }
    public string ErrorId { get; }
    public string Message { get; }

    public override string ToString() => $"{At.ToString("u", CultureInfo.InvariantCulture)} {Operation} failed ({ErrorId}): {Message}";

    internal static FailedAttempt? FromOrNull(EngineCatalog.FailedAttempt? source) => source is null ? null : new(source);
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

    public override string ToString()
        => $"{TotalBackups.ToString(CultureInfo.InvariantCulture)} backups ({BackupRecord.Size(TotalSizeBytes)}) in {Directory}";

    internal static CatalogStats From(EngineCatalog.CatalogStats source) => new(source ?? throw new ArgumentNullException(nameof(source)));
}
