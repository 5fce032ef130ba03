namespace RedisBackup.Engine.IO;

/// <summary>
/// Creates catalog directories and files readable only by their owner on Unix (0700 / 0600): backups hold the
/// whole dataset. On Windows the files inherit the directory's ACL.
/// </summary>
internal static class OwnerOnlyFiles
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Opens a new file that must not exist yet, owner-only on Unix.</summary>
    public static FileStream CreateNew(string path, FileAccess access = FileAccess.Write, int bufferSize = 1 << 16, FileOptions options = FileOptions.None)
    {
        var streamOptions = new FileStreamOptions
        {
            Mode = System.IO.FileMode.CreateNew,
            Access = access,
            Share = FileShare.None,
            BufferSize = bufferSize,
            Options = options,
        };
        if (!OperatingSystem.IsWindows()) streamOptions.UnixCreateMode = FileMode;
        return new FileStream(path, streamOptions);
    }
}
