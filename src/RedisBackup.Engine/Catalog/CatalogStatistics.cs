using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// Computes catalog statistics from a listing: counts, sizes, newest/oldest, the newest verified backup, free space,
/// the last failure and the last failed restore, partial files (stale ones included) and entries that are not backups.
/// </summary>
internal static class CatalogStatistics
{
    public static CatalogStats Compute(string directory, CatalogScanner.Result scan, DateTimeOffset now)
    {
        var listing = scan.Backups;
        var latestVerified = listing.LastOrDefault(b => b.Verification == VerificationState.Verified);
        var failures = FailureJournal.Recent(directory);
        return new CatalogStats
        {
            Directory = directory,
            TotalBackups = listing.Count,
            TotalSizeBytes = listing.Sum(b => b.SizeBytes),
            Latest = listing.Count > 0 ? listing[^1] : null,
            Oldest = listing.Count > 0 ? listing[0] : null,
            SnapshotCount = listing.Count(b => b.Kind == BackupKind.Snapshot),
            KeyLevelCount = listing.Count(b => b.Kind == BackupKind.KeyLevel),
            LatestVerified = latestVerified,
            LatestVerifiedAge = latestVerified is null ? null : now - latestVerified.CreatedAt,
            FreeSpaceBytes = FreeSpace(directory),
            LastFailure = failures.Count > 0 ? failures[0] : null,
            LastRestoreFailure = failures.FirstOrDefault(f => f.Operation == "restore"),
            PartialFiles = PartialFiles.Scan(directory, now),
            Ignored = scan.Ignored.OrderBy(i => i.Name, StringComparer.Ordinal).ToList(),
        };
    }

    private static long? FreeSpace(string directory)
    {
        try
        {
            var existing = directory;
            while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent) existing = parent;
            return new DriveInfo(existing).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
