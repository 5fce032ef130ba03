using System.IO.Compression;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Docker;

/// <summary>
/// A snapshot file on the local disk as the plain RDB a container restore sends: a <c>.rdb.gz</c> is decompressed
/// while it is read, each time it is opened, so no decompressed copy is ever written anywhere.
/// </summary>
internal sealed record RdbSource(string Path, bool Compressed)
{
    /// <summary>A fresh read of the plain RDB bytes from the start. Dispose it when done.</summary>
    public Stream OpenPlain()
    {
        FileStream file;
        try
        {
            file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"The backup file '{Path}' does not exist.", Path, ex);
        }
        return Compressed ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false) : file;
    }
}
