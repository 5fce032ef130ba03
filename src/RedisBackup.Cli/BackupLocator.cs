using RedisBackup.Engine.Catalog;

namespace RedisBackup.Cli;

/// <summary>
/// Turns the FILE|NAME argument of restore and verify into a file path:
/// a value with a directory separator (or an absolute path) is a file; with --dir a bare value is a backup name in
/// that catalog; without --dir a bare value is a file in the current directory if one exists, else a name in the
/// default catalog. Name rules (no "..", no separators) and "not found" belong to the catalog.
/// </summary>
internal static class BackupLocator
{
    public static string Resolve(string fileOrName, string? directory, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(fileOrName);
        if (LooksLikePath(fileOrName)) return Path.GetFullPath(fileOrName);
        if (directory is null && File.Exists(fileOrName)) return Path.GetFullPath(fileOrName);
        return new BackupCatalog(BackupCatalog.ResolveDirectory(directory, environment)).Get(fileOrName).Path;
    }

    private static bool LooksLikePath(string value)
        => Path.IsPathRooted(value)
           || value.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)
           || value.Contains(Path.AltDirectorySeparatorChar, StringComparison.Ordinal);
}
