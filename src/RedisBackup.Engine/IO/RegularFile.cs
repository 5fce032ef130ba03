namespace RedisBackup.Engine.IO;

/// <summary>
/// Opens a file for reading only when it is a regular file. A FIFO named like a backup would block an ordinary open
/// forever (with the catalog lock held); here the open is non-blocking and the type is checked on the open descriptor,
/// so a name swapped between a listing and the open is caught too. Symbolic links are followed (callers decide first
/// whether a link may be read). On systems other than Linux it is an ordinary open.
/// </summary>
internal static class RegularFile
{
    /// <summary>Thrown when the path names something other than a regular file.</summary>
    public sealed class NotRegularException(string path, UnixFileKind kind)
        : IOException($"'{path}' is a {UnixFile.DescribeKind(kind)}, not a regular file.")
    {
        public UnixFileKind Kind { get; } = kind;
    }

    public static FileStream OpenRead(string path, int bufferSize = 4096, FileOptions options = FileOptions.None)
    {
        if (!UnixFile.IsSupported)
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize, options);
        var handle = UnixFile.Open(path, UnixFile.OpenFlags.ReadOnly | UnixFile.OpenFlags.NonBlocking, out var errno);
        if (handle is null)
        {
            var message = $"Cannot open '{path}': {UnixFile.Describe(errno)}";
            throw errno switch
            {
                2 => new FileNotFoundException(message, path),
                20 => new DirectoryNotFoundException(message),
                1 or 13 => new UnauthorizedAccessException(message),
                _ => new IOException(message, errno),
            };
        }
        try
        {
            var status = UnixFile.Status(handle);
            if (status.Kind != UnixFileKind.Regular) throw new NotRegularException(path, status.Kind);
            return new FileStream(handle, FileAccess.Read, bufferSize, isAsync: false);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The kind of what <paramref name="path"/> names (links followed), or null when it does not exist; Regular where it cannot be told.</summary>
    public static UnixFileKind? KindOf(string path, bool followLinks = true)
    {
        if (UnixFile.IsSupported) return UnixFile.Status(path, followLinks)?.Kind;
        var info = new FileInfo(path);
        if (!followLinks && info.LinkTarget is not null) return UnixFileKind.SymbolicLink;
        if (Directory.Exists(path)) return UnixFileKind.Directory;
        return info.Exists ? UnixFileKind.Regular : null;
    }
}
