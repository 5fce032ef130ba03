using RedisBackup.Engine.Catalog;

namespace RedisBackup.Engine.Operations;

/// <summary>Verifies one backup file: SHA-256 against its sidecar (when recorded) and the structure (RDB walk or key-file trailer).</summary>
public static class VerifyOperation
{
    /// <summary>Never throws for a bad file: problems are reported in the result. Throws NotFound when the file is missing.</summary>
    public static Task<VerifyResult> RunAsync(string path, bool deep = false, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    public static Task<VerifyResult> RunAsync(BackupRecord backup, bool deep = false, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
        => RunAsync((backup ?? throw new ArgumentNullException(nameof(backup))).Path, deep, progress, cancellationToken);
}
