using System.Globalization;
using System.IO.Compression;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Decode;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Operations;

/// <summary>
/// Converts a backup into a logical key-level backup in a catalog, offline, with no server: verify the source → decode
/// every value (<see cref="BackupConverter"/>) → write the new file verified as it is written (the same check and commit
/// as every backup) → commit with metadata that names the source ("converted:NAME"). A failure leaves no file and is
/// recorded in the catalog's journal.
/// </summary>
public static class ConvertOperation
{
    /// <summary>The label in the new backup's name: redis-keys-YYYYMMDD-HHMMSS-converted.jsonl.gz.</summary>
    public const string Label = "converted";

    /// <summary>What a run would do, for -WhatIf, --dry-run, -Verbose and progress. Reads the file's metadata; changes nothing.</summary>
    public static ConvertPlan Prepare(ConvertRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var source = Describe(request);
        var dir = BackupCatalog.ResolveDirectory(request.Directory);
        var steps = new List<(string, string, string)>();
        if (!request.SkipVerify) steps.Add((PlanStepIds.VerifyBackup, $"Verify {source.Name} (checksum and structure)", source.Path));
        steps.Add((PlanStepIds.Convert, $"Decode every key of {source.Name} ({Describe(source.Format)}) into a logical key-level backup, verified as it is written, in {dir}", dir));
        return new ConvertPlan { Activity = $"Converting {source.Name}", Request = request, Source = source, Steps = OperationPlan.Number(steps) };
    }

    /// <summary><see cref="Prepare"/>, then <see cref="RunAsync(ConvertPlan, IProgress{OperationProgress}?, CancellationToken)"/>.</summary>
    public static Task<BackupRecord> RunAsync(ConvertRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunAsync(Prepare(request), progress, cancellationToken);
    }

    /// <summary>Runs exactly <paramref name="plan"/>, announcing each step by its plan number.</summary>
    public static async Task<BackupRecord> RunAsync(ConvertPlan plan, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var request = plan.Request;
        var source = plan.Source;
        var catalog = new BackupCatalog(request.Directory);
        var activity = plan.Activity;
        try
        {
            if (plan.FindStep(PlanStepIds.VerifyBackup) is { } verify)
            {
                progress?.Report(plan.Entering(verify));
                var check = await VerifyOperation.CheckBeforeRestoreAsync(source.Path, progress, cancellationToken).ConfigureAwait(false);
                if (!check.IsValid)
                    throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupVerificationFailed,
                        $"{source.Name} failed verification, so it was not converted: {string.Join("; ", check.Problems)}", source.Path);
                if (check.Level == VerificationLevel.Partial)
                    throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ConvertStopped,
                        $"{source.Name} was verified only in part ({check.Note}): a conversion must hold every key, and this version of RedisBackup cannot read all of them. Use a newer RedisBackup.", source.Path);
            }

            using var _ = catalog.AcquireLock();
            using var pending = catalog.CreatePending(BackupKind.KeyLevel, BackupFormat.KeysJsonl, compressed: true, source.CreatedAt, Label);
            progress?.Report(plan.Entering(plan.Step(PlanStepIds.Convert)));
            progress?.Report(OperationProgress.Step(activity, $"Writing {pending.FinalName} (verified as it is written)"));
            var (summary, check2) = await BackupOperation.WriteCheckedAsync(pending.Stream, KeyFileVerifier.VerifyAsync,
                sink => ConvertAsync(source, sink, progress, cancellationToken),
                () => progress?.Report(OperationProgress.Step(activity, $"Finishing the check of {pending.FinalName}")), cancellationToken).ConfigureAwait(false);
            if (check2.Result.Keys != summary.Keys)
                throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupVerificationFailed, $"The converted backup holds {check2.Result.Keys} keys but {summary.Keys} were written.", pending.TempPath);
            if (check2.Result.FunctionLibraries.Count != summary.FunctionLibraries)
                throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupVerificationFailed,
                    $"The converted backup holds {check2.Result.FunctionLibraries.Count} function libraries but {summary.FunctionLibraries} were written.", pending.TempPath);
            var options = new Dictionary<string, string>
            {
                ["exact"] = "false",
                ["convertedFrom"] = source.Name,
                ["sourceFormat"] = BackupSidecar.FormatText(source.Format),
            };
            if (summary.FunctionLibraries > 0) options["functionLibraries"] = summary.FunctionLibraries.ToString(CultureInfo.InvariantCulture);
            if (source.Format == BackupFormat.Rdb && source.KeyCount is { } rdbKeys) options["sourceKeys"] = rdbKeys.ToString(CultureInfo.InvariantCulture);
            var metadata = new BackupMetadata
            {
                KeyCount = summary.Keys,
                Source = "converted:" + source.Name,
                ServerVersion = summary.ServerVersion ?? source.ServerVersion,
                Verified = true,
                Options = options,
                Databases = VerifyOperation.DatabasesOf(check2.Result.KeysPerDatabase),
            };
            return catalog.Commit(pending, metadata, check2.Sha256, check2.Bytes);
        }
        catch (Exception ex) when (ex is not RedisBackupException { ErrorId: ErrorIds.CatalogLocked })
        {
            catalog.RecordFailure("convert", source.Path, ex);
            if (ex is IOException or UnauthorizedAccessException)
                throw new RedisBackupException(ErrorKind.WriteFailed, ErrorIds.BackupWriteFailed, $"Writing the converted backup into {catalog.Directory} failed: {ex.Message}. The partial file was removed.", catalog.Directory, ex);
            throw;
        }
    }

    private static async Task<KeyExportSummary> ConvertAsync(BackupRecord source, Stream sink, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        var file = new FileStream(source.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            if (source.Format != BackupFormat.Rdb)
                return await BackupConverter.FromKeyFileAsync(file, source.Name, sink, progress, ct).ConfigureAwait(false);
        }
        return await BackupConverter.FromRdbAsync(() => OpenRdb(source), source.Name, sink, progress, ct).ConfigureAwait(false);
    }

    private static BufferedStream OpenRdb(BackupRecord source)
    {
        Stream file = new FileStream(source.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        if (source.Compressed) file = new GZipStream(file, CompressionMode.Decompress);
        return new BufferedStream(file, 1 << 20);
    }

    private static BackupRecord Describe(ConvertRequest request)
    {
        if (!File.Exists(request.Path))
            throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"The backup file '{request.Path}' does not exist.", request.Path);
        var source = BackupCatalog.Describe(request.Path);
        if (source.Format is BackupFormat.Unknown)
            throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupFormatUnknown, $"{source.Name} is not a backup this tool can read (neither RDB nor a key-level export).", source.Path);
        return source;
    }

    private static string Describe(BackupFormat format) => format switch
    {
        BackupFormat.Rdb => "an RDB snapshot",
        BackupFormat.SeedJson => "a seed-service JSON backup",
        _ => "a key-level backup",
    };
}
