using System.Globalization;
using System.Text;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// The catalog's exclusive lock: a file opened with FileShare.None (an OS-level lock: flock on Unix, a share lock on
/// Windows) and held until disposed. The OS drops it when the process dies, so a crash never leaves a stale lock;
/// the file's mere existence means nothing.
/// </summary>
internal sealed class CatalogLock : IDisposable
{
    private readonly FileStream _stream;

    private CatalogLock(FileStream stream) => _stream = stream;

    public static CatalogLock Acquire(string directory)
    {
        OwnerOnlyFiles.EnsureDirectory(directory);
        var path = Path.Combine(directory, BackupNaming.LockFileName);
        FileStream stream;
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            stream = new FileStream(path, options);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new RedisBackupException(ErrorKind.ResourceBusy, "CatalogLocked",
                $"Another backup is running in {directory}: its lock file {path} is held by another process. Wait for it to finish and try again.", path, ex);
        }
        try
        {
            // For people who look: who holds it. Never read back by the tool.
            var note = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"pid {Environment.ProcessId} on {Environment.MachineName} since {DateTimeOffset.UtcNow:O}\n"));
            stream.SetLength(0);
            stream.Write(note);
        }
        catch (IOException)
        {
            // A full disk must not turn into a lock failure: the lock is held either way.
        }
        return new CatalogLock(stream);
    }

    public void Dispose() => _stream.Dispose();
}
