using RedisBackup.Engine.Errors;
using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// Opens the catalog's own bookkeeping files (the lock and the journal) the one safe way: never through a symbolic link
/// (O_NOFOLLOW), never blocking on a FIFO (O_NONBLOCK), and then, on the open descriptor (fstat), only a regular file with
/// one link that the user running the tool owns. Checking the descriptor after the open, not the path before it, leaves
/// no window in which the name could be swapped. Anything else is refused with <c>UnsafeCatalogFile</c> naming the file.
/// On systems other than Linux the link check is made on the path before the open (see docs/reliability.md).
/// </summary>
internal static class OwnedFile
{
    private const int EPERM = 1;
    private const int ENOENT = 2;
    private const int EACCES = 13;
    private const int EISDIR = 21;
    private const int ENOSPC = 28;
    private const int EROFS = 30;
    private const int ELOOP = 40;

    /// <summary>The outcome of <see cref="Open"/>: the open file, or Busy when another process holds its exclusive lock.</summary>
    public readonly record struct Opened(FileStream? Stream, bool Busy);

    /// <summary>
    /// Opens <paramref name="path"/> for reading and writing, creating it (0600) when <paramref name="create"/>. With
    /// <paramref name="exclusive"/> it also takes the file's exclusive OS lock (flock), and returns Busy when another open
    /// file holds it. Returns a null stream when the file does not exist and may not be created.
    /// </summary>
    /// <param name="what">How the file is named in errors, e.g. "The catalog's lock file".</param>
    public static Opened Open(string path, bool create, bool exclusive, string what)
    {
        if (!UnixFile.IsSupported) return OpenPortable(path, create, exclusive, what);

        var flags = UnixFile.OpenFlags.ReadWrite | UnixFile.OpenFlags.NoFollow | UnixFile.OpenFlags.NonBlocking;
        if (create) flags |= UnixFile.OpenFlags.Create;
        var handle = UnixFile.Open(path, flags, out var errno);
        if (handle is null)
        {
            if (errno == ENOENT && !create) return new Opened(null, false);
            throw OpenFailed(path, what, errno);
        }
        try
        {
            var status = UnixFile.Status(handle);
            var problem = Problem(status);
            if (problem is not null) throw Unsafe(path, what, problem);
            if (exclusive && !UnixFile.TryLockExclusive(handle))
            {
                handle.Dispose();
                return new Opened(null, true);
            }
            return new Opened(new FileStream(handle, FileAccess.ReadWrite, bufferSize: 0), false);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing catalog file for reading under the same rules; null when it does not exist or is not safe to read.</summary>
    public static FileStream? TryOpenRead(string path)
    {
        if (!UnixFile.IsSupported)
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.LinkTarget is not null) return null;
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096);
        }
        var handle = UnixFile.Open(path, UnixFile.OpenFlags.ReadOnly | UnixFile.OpenFlags.NoFollow | UnixFile.OpenFlags.NonBlocking, out _);
        if (handle is null) return null;
        if (Problem(UnixFile.Status(handle)) is not null)
        {
            handle.Dispose();
            return null;
        }
        return new FileStream(handle, FileAccess.Read, bufferSize: 4096);
    }

    /// <summary>Why a file cannot be one of the catalog's own files, or null when it can.</summary>
    private static string? Problem(UnixFileStatus status)
    {
        if (status.Kind != UnixFileKind.Regular) return $"is a {UnixFile.DescribeKind(status.Kind)}, not a regular file";
        if (status.OwnerId != UnixFile.EffectiveUserId)
            return $"is owned by user id {status.OwnerId}, not by the user running this tool (user id {UnixFile.EffectiveUserId})";
        if (status.Links != 1) return $"has {status.Links} hard links (another name elsewhere shares its content)";
        return null;
    }

    private static RedisBackupException Unsafe(string path, string what, string problem)
        => new(ErrorKind.PermissionDenied, ErrorIds.UnsafeCatalogFile,
            $"{what} {path} {problem}, so it was not used and nothing was changed. Remove it (the tool creates a new one) and run again.", path);

    private static Exception OpenFailed(string path, string what, int errno) => errno switch
    {
        ELOOP => Unsafe(path, what, "is a symbolic link (links are never followed for the catalog's own files)"),
        EISDIR => Unsafe(path, what, "is a directory, not a regular file"),
        EACCES or EPERM or EROFS => NotWritable(Path.GetDirectoryName(path) ?? path, path,
            errno == EROFS ? "the file system is read-only" : "permission denied", new IOException(UnixFile.Describe(errno), errno)),
        ENOSPC => new IOException($"{what} {path} cannot be created: {UnixFile.Describe(errno)}", errno),
        _ => new IOException($"{what} {path} cannot be opened: {UnixFile.Describe(errno)}", errno),
    };

    /// <summary>The error for a catalog this user cannot write: a read-only file system, or permissions.</summary>
    public static RedisBackupException NotWritable(string directory, string path, string reason, Exception? inner)
        => new(ErrorKind.PermissionDenied, ErrorIds.CatalogNotWritable,
            $"The catalog {directory} cannot be written ({reason}: {path}). Nothing was changed. Check that the volume is mounted read-write and that this user may write the directory.",
            directory, inner);

    private static Opened OpenPortable(string path, bool create, bool exclusive, string what)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) throw Unsafe(path, what, "is a symbolic link (links are never followed for the catalog's own files)");
        if (!create && !info.Exists) return new Opened(null, false);
        var options = new FileStreamOptions
        {
            Mode = create ? FileMode.OpenOrCreate : FileMode.Open,
            Access = FileAccess.ReadWrite,
            Share = exclusive ? FileShare.None : FileShare.ReadWrite,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            return new Opened(new FileStream(path, options), false);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw NotWritable(Path.GetDirectoryName(path) ?? path, path, "permission denied", ex);
        }
        catch (IOException) when (exclusive && File.Exists(path))
        {
            return new Opened(null, true);
        }
    }
}
