namespace RedisBackup.Engine.Catalog;

/// <summary>
/// What a file in or beside a catalog is, by its name alone: a backup, or one of the catalog's own files (a backup's
/// metadata or checksum sidecar, a hidden temporary .partial file, the lock, the journal). Fronts use it to keep
/// wildcards and piped directory listings to backup files.
/// </summary>
public static class BackupFileNames
{
    /// <summary>True for a name a backup can have (listing considers it): not hidden, not a sidecar, with a backup extension.</summary>
    public static bool IsBackup(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return BackupNaming.IsCandidate(fileName);
    }

    /// <summary>True for the catalog's own files: sidecars, and hidden files (temporary files, the lock, the journal).</summary>
    public static bool IsCatalogFile(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return BackupNaming.IsSidecar(fileName) || fileName.StartsWith('.');
    }
}
