using System.Security.Cryptography;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.IO;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// Exports a copy of a backup (the seed service's "download"): copied under a hidden temporary name, the copy re-read
/// and its SHA-256 compared with the recorded one (or with the source's, hashed while copying), then renamed; the
/// metadata and checksum sidecars follow, rewritten for the copy's name.
/// </summary>
internal static class BackupCopier
{
    private const int ChunkBytes = 1 << 20;

    /// <param name="beforeCheck">Test hook: runs on the temporary copy before its checksum is recomputed.</param>
    public static BackupRecord Copy(BackupRecord backup, string destination, bool overwrite, Action<string>? beforeCheck = null)
    {
        ArgumentNullException.ThrowIfNull(backup);
        if (string.IsNullOrWhiteSpace(destination))
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidCopyDestination, "The copy needs a destination directory or file path.", destination);
        if (!File.Exists(backup.Path))
            throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"The backup file '{backup.Path}' does not exist.", backup.Path);

        var target = ResolveTarget(backup, destination);
        if (string.Equals(Path.GetFullPath(target), Path.GetFullPath(backup.Path), StringComparison.Ordinal))
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.CopyOntoItself, $"The destination '{target}' is the backup itself.", target);
        var targetDir = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(targetDir))
            throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.CopyDestinationNotFound, $"The destination directory '{targetDir}' does not exist.", targetDir);
        var targetName = Path.GetFileName(target);
        if (!overwrite && (File.Exists(target) || File.Exists(target + BackupNaming.MetadataSuffix) || File.Exists(target + BackupNaming.ChecksumSuffix)))
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.CopyDestinationExists,
                $"'{target}' already exists (or its sidecar does); nothing was overwritten. Allow overwriting to replace it.", target);

        var sidecar = BackupSidecar.TryRead(backup.Path);
        var expected = sidecar?.Sha256 ?? BackupSidecar.TryReadChecksumFile(backup.Path) ?? backup.Sha256;
        var temp = Path.Combine(targetDir, BackupNaming.TemporaryName(targetName));
        var sidecarTemps = new List<(string Temp, string Final)>();
        try
        {
            var sourceHash = CopyHashing(backup.Path, temp);
            if (expected is not null && !string.Equals(expected, sourceHash, StringComparison.OrdinalIgnoreCase))
                throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupChecksumMismatch,
                    $"{backup.Name} does not match its recorded SHA-256 (recorded {expected}, read {sourceHash}); it was not copied.", backup.Path);
            beforeCheck?.Invoke(temp);
            var copyHash = FileHash.Sha256(temp);
            if (!string.Equals(copyHash, sourceHash, StringComparison.Ordinal))
                throw new RedisBackupException(ErrorKind.WriteFailed, ErrorIds.CopyChecksumMismatch,
                    $"The copy of {backup.Name} at '{target}' reads back with SHA-256 {copyHash}, not {sourceHash}; the copy was removed.", target);

            if (sidecar is not null)
                sidecarTemps.Add((AtomicFile.PrepareTemporary(target + BackupNaming.MetadataSuffix, BackupSidecar.ToText(sidecar with { Name = targetName })), target + BackupNaming.MetadataSuffix));
            sidecarTemps.Add((AtomicFile.PrepareTemporary(target + BackupNaming.ChecksumSuffix, BackupSidecar.ChecksumLine(copyHash, targetName)), target + BackupNaming.ChecksumSuffix));

            File.Move(temp, target, overwrite);
            foreach (var (t, f) in sidecarTemps) File.Move(t, f, overwrite: true);
            if (sidecar is null && overwrite) AtomicFile.TryDelete(target + BackupNaming.MetadataSuffix);
        }
        catch
        {
            AtomicFile.TryDelete(temp);
            foreach (var (t, _) in sidecarTemps) AtomicFile.TryDelete(t);
            throw;
        }
        return BackupInspector.Describe(new FileInfo(target));
    }

    private static string ResolveTarget(BackupRecord backup, string destination)
    {
        var full = Path.GetFullPath(destination);
        var endsWithSeparator = destination.EndsWith(Path.DirectorySeparatorChar) || destination.EndsWith(Path.AltDirectorySeparatorChar);
        return Directory.Exists(full) || endsWithSeparator ? Path.Combine(full, backup.Name) : full;
    }

    /// <summary>Copies <paramref name="source"/> to a new owner-only file, flushed to disk, and returns the source's SHA-256.</summary>
    private static string CopyHashing(string source, string temp)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
        using var output = OwnerOnlyFiles.CreateNew(temp, FileAccess.Write, 4096);
        var buffer = new byte[ChunkBytes];
        int n;
        while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            output.Write(buffer, 0, n);
        }
        output.Flush(flushToDisk: true);
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
