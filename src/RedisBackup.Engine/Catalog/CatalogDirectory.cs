using RedisBackup.Engine.Errors;
using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// The catalog directory itself: checked before anything is written into it, created owner-only when missing, and
/// required to exist before it is read.
/// <list type="bullet">
/// <item>Every directory the tool creates, the catalog and each missing parent, is made 0700 whatever the umask.</item>
/// <item>A path that passes through a directory every user may write without the sticky bit (0777, not 1777), or
/// through a directory that belongs to another user than root and the one running the tool, is refused
/// (<c>UnsafeCatalogPath</c>): another user could swap a part of the path for a link to their own directory (a link
/// planted in /tmp leads into a directory of theirs, which this catches), or delete the backups. Symbolic links on
/// the way are followed for this check, and the directories holding their targets are checked too.</item>
/// <item>A path that names a file, or passes through one, is <c>CatalogNotADirectory</c>.</item>
/// </list>
/// </summary>
internal static class CatalogDirectory
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const int MaxLinkDepth = 40;

    /// <summary>Checks the path (see the class summary) and creates the missing directories owner-only.</summary>
    public static void Prepare(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        Check(full, full, depth: 0);
        foreach (var missing in Prefixes(full).Where(p => !Exists(p)))
        {
            try
            {
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(missing);
                    continue;
                }
                Directory.CreateDirectory(missing, OwnerOnly);
                // mkdir applies the umask, which can only take bits away: set exactly 0700.
                File.SetUnixFileMode(missing, OwnerOnly);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw OwnedFile.NotWritable(full, missing, "permission denied", ex);
            }
            catch (IOException ex) when (File.Exists(missing))
            {
                throw NotADirectory(full, missing, ex);
            }
            catch (IOException ex) when (ex.HResult == 30 /* EROFS */)
            {
                throw OwnedFile.NotWritable(full, missing, "the file system is read-only", ex);
            }
        }
    }

    /// <summary>Before changing an existing catalog (removal): it must exist, and pass the checks of <see cref="Prepare"/>.</summary>
    public static void CheckExisting(string directory)
    {
        RequireExisting(directory);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        Check(full, full, depth: 0);
    }

    /// <summary>For reading (list, stats): the catalog must exist and be a directory; a missing one is an error, not an empty catalog.</summary>
    public static void RequireExisting(string directory)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (Directory.Exists(full)) return;
        if (File.Exists(full)) throw NotADirectory(full, full, null);
        var file = Prefixes(full).LastOrDefault(File.Exists);
        if (file is not null) throw NotADirectory(full, file, null);
        throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.CatalogNotFound,
            $"The catalog directory {full} does not exist. Check the catalog path, or REDISBACKUP_PATH when no path is given; a backup creates the directory.", full);
    }

    private static RedisBackupException NotADirectory(string catalog, string file, Exception? inner)
        => new(ErrorKind.InvalidArgument, ErrorIds.CatalogNotADirectory,
            catalog == file
                ? $"The catalog path {catalog} is a file, not a directory. Give the directory that holds (or will hold) the backups."
                : $"The catalog path {catalog} passes through {file}, which is a file, not a directory. Give a directory path.",
            catalog, inner);

    /// <summary>Walks <paramref name="path"/> from the root: each existing directory on it must not be writable by every user unless sticky.</summary>
    private static void Check(string catalog, string path, int depth)
    {
        if (OperatingSystem.IsWindows()) return;
        if (depth > MaxLinkDepth)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.UnsafeCatalogPath, $"The catalog path {catalog} goes through too many symbolic links.", catalog);
        foreach (var prefix in Prefixes(path))
        {
            var info = new DirectoryInfo(prefix);
            if (!info.Exists && !File.Exists(prefix))
            {
                if (info.LinkTarget is null) return; // the rest is missing: it is created owner-only
                throw NotADirectory(catalog, prefix, null); // a dangling link
            }
            if (info.LinkTarget is { } target)
                Check(catalog, Path.GetFullPath(target, Path.GetDirectoryName(prefix) ?? "/"), depth + 1);
            if (!info.Exists) throw NotADirectory(catalog, prefix, null);
            var mode = File.GetUnixFileMode(prefix);
            if ((mode & UnixFileMode.OtherWrite) != 0 && (mode & UnixFileMode.StickyBit) == 0)
            {
                throw new RedisBackupException(ErrorKind.PermissionDenied, ErrorIds.UnsafeCatalogPath,
                    $"The catalog path {catalog} passes through {prefix}, which every user may write (mode {Octal(mode)}, without the sticky bit): " +
                    "another user could replace a part of the path with a link to a directory of theirs. Remove write access for others " +
                    $"(chmod o-w {prefix}) or choose another directory. Nothing was written.", prefix);
            }
            if (OwnerOf(prefix) is { } owner && owner != 0 && owner != UnixFile.EffectiveUserId && (mode & UnixFileMode.UserWrite) != 0)
            {
                throw new RedisBackupException(ErrorKind.PermissionDenied, ErrorIds.UnsafeCatalogPath,
                    $"The catalog path {catalog} passes through {prefix}, which belongs to another user (user id {owner}) who may change it: " +
                    "that user could replace a part of the path, or the backups in it. Use a directory owned by you or by root. Nothing was written.", prefix);
            }
        }
    }

    /// <summary>The owner's user id (Linux), or null where it cannot be read.</summary>
    private static uint? OwnerOf(string path) => UnixFile.IsSupported ? UnixFile.Status(path)?.OwnerId : null;

    private static bool Exists(string path) => Directory.Exists(path) || File.Exists(path);

    /// <summary>"/", "/a", "/a/b", … up to the path itself.</summary>
    private static IEnumerable<string> Prefixes(string path)
    {
        var root = Path.GetPathRoot(path) ?? "/";
        yield return root;
        var current = root;
        foreach (var part in path[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            yield return current;
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
