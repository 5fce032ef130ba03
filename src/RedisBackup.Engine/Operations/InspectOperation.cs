using System.IO.Compression;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Decode;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Operations;

/// <summary>
/// What a backup holds, without restoring it: keys per database and type, keys with TTLs, the biggest keys, function
/// libraries, module types and the server version that wrote it. One streaming pass in bounded memory, whatever the size
/// of the file. A damaged file is reported with the same errors as a restore would give.
/// </summary>
public static class InspectOperation
{
    public const int DefaultTop = 10;

    /// <param name="top">How many of the biggest keys to list (0 for none).</param>
    public static async Task<BackupContent> RunAsync(string path, int top = DefaultTop, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (top < 0) throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidTop, $"The number of biggest keys to list must be 0 or more, not {top}.", top);
        if (!File.Exists(path)) throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"The backup file '{path}' does not exist.", path);
        var backup = BackupCatalog.Describe(path);
        progress?.Report(OperationProgress.Step($"Inspecting {backup.Name}", $"Reading {backup.Name}"));
        var reader = new BackupContentReader(top);
        var file = new FileStream(backup.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            switch (backup.Format)
            {
                case BackupFormat.Rdb:
                    Stream rdb = backup.Compressed ? new GZipStream(file, CompressionMode.Decompress) : file;
                    await using (rdb.ConfigureAwait(false))
                        return await reader.ReadRdbAsync(new BufferedStream(rdb, 1 << 20), backup.Name, backup.Path, cancellationToken).ConfigureAwait(false) with { Bytes = file.Length };
                case BackupFormat.KeysJsonl or BackupFormat.SeedJson:
                    return await reader.ReadKeyFileAsync(file, backup.Name, backup.Path, cancellationToken).ConfigureAwait(false);
                default:
                    throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupFormatUnknown, $"{backup.Name} is not a backup this tool can read (neither RDB nor a key-level export).", backup.Path);
            }
        }
    }
}
