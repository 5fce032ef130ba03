using RedisBackup.Engine.Errors;
using RedisBackup.Engine.IO;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// Creating a backup file: a hidden owner-only ".partial" file while it is written; at commit it is flushed to disk,
/// hashed, renamed to its final name (never over an existing file), and its sidecars are written by temp + rename.
/// Any failure removes the partial file and leaves earlier backups untouched.
/// </summary>
internal static class BackupCommitter
{
    private const int MaxCandidates = 1000;

    public static PendingBackup CreatePending(string directory, BackupKind kind, BackupFormat format, bool compressed, DateTimeOffset createdAt, string? label)
    {
        if (format == BackupFormat.Unknown)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidBackupFormat, "A new backup needs a known format (rdb or keys-jsonl).", format);
        var baseName = BackupNaming.BaseName(kind, createdAt, label);
        var extension = BackupNaming.Extension(format, compressed);
        CatalogDirectory.Prepare(directory);
        var finalName = FreeName(directory, baseName, extension);
        var tempPath = Path.Combine(directory, BackupNaming.TemporaryName(finalName));
        var stream = OwnerOnlyFiles.CreateNew(tempPath, FileAccess.ReadWrite, 1 << 16, FileOptions.Asynchronous);
        return new PendingBackup(tempPath, finalName, kind, format, compressed, createdAt.ToUniversalTime(), stream) { BaseName = baseName, Extension = extension };
    }

    /// <param name="written">The SHA-256 and length of the bytes written, when they were hashed on the way; null to hash the file here.</param>
    public static BackupRecord Commit(string directory, PendingBackup pending, BackupMetadata metadata, DateTimeOffset now, (string Sha256, long Bytes)? written)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(metadata);
        if (pending.Committed)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.BackupAlreadyCommitted, $"{pending.FinalName} was already committed.", pending.FinalName);
        if (!string.Equals(Path.GetDirectoryName(pending.TempPath), directory, StringComparison.Ordinal))
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.PendingBackupOfOtherCatalog, $"{pending.TempPath} does not belong to the catalog {directory}.", pending.TempPath);

        var sidecarTemps = new List<string>();
        try
        {
            pending.Stream.Flush(flushToDisk: true);
            var size = pending.Stream.Length;
            if (written is { } w && w.Bytes != size)
                throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupVerificationFailed,
                    $"The new backup file holds {size:N0} bytes but {w.Bytes:N0} were written.", pending.TempPath);
            pending.Stream.Position = 0;
            var sha256 = written?.Sha256 ?? FileHash.Sha256(pending.Stream);
            pending.Stream.Dispose();

            for (var attempt = 0; ; attempt++)
            {
                var name = pending.FinalName;
                var finalPath = Path.Combine(directory, name);
                var doc = BackupSidecar.Create(name, pending, metadata, size, sha256, now);
                var metaTemp = AtomicFile.PrepareTemporary(finalPath + BackupNaming.MetadataSuffix, BackupSidecar.ToText(doc));
                sidecarTemps.Add(metaTemp);
                var sumTemp = AtomicFile.PrepareTemporary(finalPath + BackupNaming.ChecksumSuffix, BackupSidecar.ChecksumLine(sha256, name));
                sidecarTemps.Add(sumTemp);
                try
                {
                    File.Move(pending.TempPath, finalPath, overwrite: false);
                }
                catch (IOException) when (File.Exists(finalPath) && attempt < 5)
                {
                    // Another writer (without the lock) took the name: pick the next free one and redo the sidecars.
                    foreach (var t in sidecarTemps) AtomicFile.TryDelete(t);
                    sidecarTemps.Clear();
                    pending.FinalName = FreeName(directory, pending.BaseName, pending.Extension);
                    continue;
                }
                pending.Committed = true;
                File.Move(metaTemp, finalPath + BackupNaming.MetadataSuffix, overwrite: true);
                File.Move(sumTemp, finalPath + BackupNaming.ChecksumSuffix, overwrite: true);
                sidecarTemps.Clear();
                return BackupSidecar.ToRecord(doc, finalPath, size);
            }
        }
        catch
        {
            foreach (var t in sidecarTemps) AtomicFile.TryDelete(t);
            if (!pending.Committed) pending.Dispose(); // deletes the partial file even when closing it throws (a full disk)
            throw;
        }
    }

    private static string FreeName(string directory, string baseName, string extension)
    {
        for (var n = 1; n <= MaxCandidates; n++)
        {
            var candidate = BackupNaming.Candidate(baseName, extension, n);
            if (!Taken(directory, candidate)) return candidate;
        }
        throw new RedisBackupException(ErrorKind.ResourceBusy, ErrorIds.BackupNameExhausted, $"No free name for {baseName}{extension} in {directory}.", directory);
    }

    private static bool Taken(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        return File.Exists(path) || File.Exists(path + BackupNaming.MetadataSuffix) || Directory.Exists(path);
    }
}
