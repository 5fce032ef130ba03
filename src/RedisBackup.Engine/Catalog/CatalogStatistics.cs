namespace RedisBackup.Engine.Catalog;

/// <summary>Computes catalog statistics from a listing: counts, sizes, newest/oldest, the newest verified backup, free space and the last failure.</summary>
internal static class CatalogStatistics
{
    public static CatalogStats Compute(string directory, IReadOnlyList<BackupRecord> listing, DateTimeOffset now)
    {
        var latestVerified = listing.LastOrDefault(b => b.Verification == VerificationState.Verified);
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
            LastFailure = FailureJournal.Last(directory),
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
