using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Catalog;

/// <summary>Deletes backups with their sidecars, after checking that the name stays inside the catalog and names a backup.</summary>
internal static class BackupRemover
{
    public static BackupRecord Remove(string directory, string name, bool dryRun)
    {
        BackupNameValidator.Validate(name);
        var path = Path.Combine(directory, name);
        var file = new FileInfo(path);
        if (!file.Exists && file.LinkTarget is null)
            throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"There is no backup named '{name}' in {directory}.", name);
        BackupNameValidator.EnsureInsideCatalog(path, directory);
        if (!file.Exists)
            throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"'{name}' in {directory} is a dangling link, not a backup.", name);
        var record = BackupInspector.Describe(file);
        if (!BackupNaming.HasBackupExtension(name) || (!record.HasMetadata && record.Format == BackupFormat.Unknown))
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.NotABackup,
                $"'{name}' in {directory} is not a backup this tool recognizes (neither RDB nor a key-level export); it was left alone.", name);
        if (!dryRun)
        {
            CatalogDirectory.CheckExisting(directory);
            Delete(path);
        }
        return record;
    }

    /// <summary>Retention's removal: the record came from a listing of this catalog; a link out of it is skipped, not followed.</summary>
    public static bool TryRemoveForRetention(string directory, BackupRecord backup)
    {
        var path = Path.Combine(directory, backup.Name);
        try
        {
            BackupNameValidator.EnsureInsideCatalog(path, directory);
        }
        catch (RedisBackupException)
        {
            return false;
        }
        Delete(path);
        return true;
    }

    /// <summary>Deletes the backup first, then its sidecars, so an interruption never leaves a backup without its checksum.</summary>
    private static void Delete(string path)
    {
        File.Delete(path);
        File.Delete(path + BackupNaming.MetadataSuffix);
        File.Delete(path + BackupNaming.ChecksumSuffix);
    }
}
