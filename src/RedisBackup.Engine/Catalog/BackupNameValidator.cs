using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Catalog;

/// <summary>Checks that a backup name given by a user names a file directly inside the catalog, and nothing else.</summary>
internal static class BackupNameValidator
{
    /// <summary>Throws InvalidArgument "InvalidBackupName" for empty names, separators, "..", rooted paths and control characters.</summary>
    public static void Validate(string? name)
    {
        string? reason = null;
        if (string.IsNullOrWhiteSpace(name)) reason = "it is empty";
        else if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal)) reason = "it contains a path separator";
        else if (name.Contains("..", StringComparison.Ordinal)) reason = "it contains \"..\"";
        else if (Path.IsPathRooted(name) || name.Contains(':', StringComparison.Ordinal)) reason = "it is an absolute path";
        else if (name.Any(char.IsControl)) reason = "it contains control characters";
        else if (name[0] == '.') reason = "it names a hidden file (temporary files, the lock and the journal are not backups)";
        else if (BackupNaming.IsSidecar(name)) reason = "it names a metadata or checksum sidecar, not a backup";
        if (reason is not null)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidBackupName,
                $"'{name}' is not a valid backup name because {reason}. Give the file name of a backup in the catalog, such as redis-backup-20260117-230436.rdb.", name);
    }

    /// <summary>
    /// Throws PermissionDenied "BackupOutsideCatalog" when <paramref name="path"/> is a symbolic link whose final target
    /// lies outside <paramref name="catalogDirectory"/>.
    /// </summary>
    public static void EnsureInsideCatalog(string path, string catalogDirectory)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null) return;
        FileSystemInfo? target;
        try
        {
            target = info.ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException ex)
        {
            throw Outside(path, info.LinkTarget, ex);
        }
        var targetPath = target?.FullName ?? Path.GetFullPath(info.LinkTarget, catalogDirectory);
        if (!IsInsideCatalog(targetPath, catalogDirectory))
            throw Outside(path, targetPath, null);
    }

    /// <summary>True when <paramref name="path"/> (a link's final target) lies inside the catalog, named directly or through a link to it.</summary>
    public static bool IsInsideCatalog(string path, string catalogDirectory)
        => IsInside(path, catalogDirectory) || IsInside(path, RealDirectory(catalogDirectory));

    private static RedisBackupException Outside(string path, string target, Exception? inner)
        => new(ErrorKind.PermissionDenied, ErrorIds.BackupOutsideCatalog,
            $"'{Path.GetFileName(path)}' is a symbolic link to '{target}', outside the catalog; it was left alone.", path, inner);

    private static bool IsInside(string path, string directory)
    {
        var dir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) + Path.DirectorySeparatorChar;
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return Path.GetFullPath(path).StartsWith(dir, comparison);
    }

    /// <summary>The catalog directory with a symbolic link at its last component resolved.</summary>
    private static string RealDirectory(string directory)
    {
        try
        {
            return new DirectoryInfo(directory).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? directory;
        }
        catch (IOException)
        {
            return directory;
        }
    }
}
