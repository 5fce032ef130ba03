using System.Globalization;
using System.Text;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// The catalog's exclusive lock: an OS lock (flock on Unix, a share lock on Windows) on the file
/// <c>.redis-backup.lock</c>, held until disposed. The OS drops it when the process dies, so a crash never leaves a
/// stale lock; the file's mere existence means nothing. The file is opened as <see cref="OwnedFile"/> describes: a
/// symbolic link, a FIFO or a file of another user there is refused, never followed or truncated.
/// </summary>
internal sealed class CatalogLock : IDisposable
{
    private readonly FileStream _stream;

    private CatalogLock(FileStream stream) => _stream = stream;

    /// <summary>
    /// How long a lock found held is asked for again before the run gives up. A lock the previous run of this very process
    /// released can still be held for a moment by a child process it was starting at the time (fork or vfork copies the
    /// descriptor, and only exec closes it), e.g. a redis-server or redis-cli a parallel task started; a real second run
    /// holds it far longer.
    /// </summary>
    private static readonly TimeSpan BusyWait = TimeSpan.FromSeconds(1);

    public static CatalogLock Acquire(string directory)
    {
        CatalogDirectory.Prepare(directory);
        var path = Path.Combine(directory, BackupNaming.LockFileName);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        OwnedFile.Opened opened;
        while (true)
        {
            try
            {
                opened = OwnedFile.Open(path, create: true, exclusive: true, "The catalog's lock file");
            }
            catch (IOException ex)
            {
                throw new RedisBackupException(ErrorKind.WriteFailed, ErrorIds.CatalogLockFailed, $"The catalog's lock file {path} could not be opened: {ex.Message.TrimEnd('.')}. Nothing was changed.", path, ex);
            }
            if (!opened.Busy || waited.Elapsed >= BusyWait) break;
            Thread.Sleep(20);
        }
        if (opened.Busy)
        {
            throw new RedisBackupException(ErrorKind.ResourceBusy, ErrorIds.CatalogLocked,
                $"Another backup is running in {directory}: its lock file {path} is held by another process. Wait for it to finish and try again.", path);
        }
        var stream = opened.Stream!;
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
