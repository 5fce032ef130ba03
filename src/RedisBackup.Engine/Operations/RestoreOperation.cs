using System.Diagnostics;
using System.IO.Compression;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Restore;

namespace RedisBackup.Engine.Operations;

/// <summary>
/// Restores one backup: describe → verify (unless skipped) → the path that fits the format and the target
/// (key-level file or RDB replayed into a live server; RDB swapped into a container).
/// </summary>
public static class RestoreOperation
{
    /// <summary>The steps a run would take, for -WhatIf and --dry-run. Reads the file's metadata; changes nothing.</summary>
    public static IReadOnlyList<string> Plan(RestoreRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        var backup = BackupCatalog.Describe(request.Path);
        var steps = new List<string>();
        if (!request.SkipVerify)
            steps.Add(backup.HasMetadata && backup.Verification == VerificationState.Verified
                ? $"Check {backup.Name} against its recorded SHA-256 (its structure was verified when it was written)"
                : $"Verify {backup.Name} (checksum and structure)");
        var opts = request.Options;
        var existing = opts.ExistingKeys switch
        {
            ExistingKeyPolicy.Replace => "replacing existing keys",
            ExistingKeyPolicy.Flush => "after emptying each target database (FLUSHDB)",
            _ => "skipping keys that already exist",
        };
        var ttl = opts.Ttl == TtlMode.Absolute ? "original absolute expiry times" : "TTLs relative to now";
        var db = opts.TargetDatabase is null ? "their original databases" : $"database {opts.TargetDatabase}";
        if (request.Container is not null)
        {
            if (!request.SkipSafetySnapshot) steps.Add($"Take a safety snapshot of container '{request.Container}' into {BackupCatalog.ResolveDirectory(request.SafetySnapshotDirectory)}");
            steps.Add($"Stop container '{request.Container}'");
            steps.Add($"Copy {backup.Name} into the container's data directory under its configured dbfilename");
            steps.Add($"Start container '{request.Container}' and wait until Redis has loaded the data");
            steps.Add($"Check that the key count matches the backup ({backup.KeyCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "from verification"})");
        }
        else
        {
            var how = backup.Format == BackupFormat.Rdb ? "replay its keys as RESTORE commands" : "write its keys";
            steps.Add($"Restore {backup.Name} into {request.Endpoint}: {how} into {db}, {existing}, with {ttl}");
        }
        return steps;
    }

    public static async Task<RestoreResult> RunAsync(RestoreRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        var started = Stopwatch.StartNew();
        var backup = BackupCatalog.Describe(request.Path);
        var target = request.Container is not null ? "container:" + request.Container : request.Endpoint!.ToString();
        var activity = $"Restoring {backup.Name} into {target}";

        long? verifiedKeys = backup.KeyCount;
        if (!request.SkipVerify)
        {
            progress?.Report(OperationProgress.Step(activity, $"Verifying {backup.Name}"));
            var check = await VerifyOperation.CheckBeforeRestoreAsync(backup.Path, progress, cancellationToken).ConfigureAwait(false);
            if (!check.IsValid)
                throw new RedisBackupException(ErrorKind.InvalidData, "BackupVerificationFailed",
                    $"{backup.Name} failed verification, so nothing was restored: {string.Join("; ", check.Problems)}", backup.Path);
            verifiedKeys = check.KeyCount ?? verifiedKeys;
        }

        RestoreResult result;
        if (request.Container is not null)
        {
            if (backup.Format != BackupFormat.Rdb)
                throw new RedisBackupException(ErrorKind.NotSupported, "ContainerRestoreNeedsSnapshot",
                    $"{backup.Name} is a key-level backup; only RDB snapshots are swapped into a container. Restore it into the live server instead (its host and port).", backup.Path);
            result = await RestoreIntoContainerAsync(request, backup, verifiedKeys, activity, progress, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            progress?.Report(OperationProgress.Step(activity, $"Writing keys into {target}"));
            var counting = KeyCountProgress.Wrap(progress, verifiedKeys);
            var file = OpenRead(backup.Path);
            await using (file.ConfigureAwait(false))
            {
                if (backup.Format == BackupFormat.Rdb)
                {
                    Stream rdb = backup.Compressed ? new GZipStream(file, CompressionMode.Decompress) : file;
                    await using (rdb.ConfigureAwait(false))
                        result = await RdbLiveRestorer.RestoreAsync(new BufferedStream(rdb, 1 << 20), request.Endpoint!, request.Options, counting, cancellationToken).ConfigureAwait(false);
                }
                else if (backup.Format is BackupFormat.KeysJsonl or BackupFormat.SeedJson)
                {
                    result = await KeyRestorer.RestoreAsync(file, request.Endpoint!, request.Options, counting, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    throw new RedisBackupException(ErrorKind.InvalidData, "BackupFormatUnknown", $"{backup.Name} is not a backup this tool can read (neither RDB nor a key-level export).", backup.Path);
                }
            }
        }

        return result with { BackupPath = backup.Path, Target = target, Duration = started.Elapsed };
    }

    private static async Task<RestoreResult> RestoreIntoContainerAsync(RestoreRequest request, BackupRecord backup, long? expectedKeys, string activity, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        using var docker = DockerClient.FromEnvironment();
        var target = await ContainerRestorer.PrepareAsync(docker, request.Container!, ct).ConfigureAwait(false);

        BackupRecord? safety = null;
        if (!request.SkipSafetySnapshot)
        {
            progress?.Report(OperationProgress.Step(activity, $"Taking a safety snapshot of container '{request.Container}' before anything changes"));
            var outcome = await BackupOperation.RunAsync(new BackupRequest
            {
                Kind = BackupKind.Snapshot,
                Container = request.Container,
                Directory = request.SafetySnapshotDirectory,
                Compress = true,
                Label = "pre-restore",
            }, progress, ct).ConfigureAwait(false);
            safety = outcome.Backup;
        }

        var plainPath = backup.Path;
        string? tempPlain = null;
        try
        {
            if (backup.Compressed)
            {
                tempPlain = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"redisbackup-{Guid.NewGuid():N}.rdb");
                var input = OpenRead(backup.Path);
                await using (input.ConfigureAwait(false))
                {
                    var gz = new GZipStream(input, CompressionMode.Decompress);
                    await using (gz.ConfigureAwait(false))
                    {
                        var output = new FileStream(tempPlain, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
                        await using (output.ConfigureAwait(false))
                            await gz.CopyToAsync(output, ct).ConfigureAwait(false);
                    }
                }
                plainPath = tempPlain;
            }

            var keys = expectedKeys ?? (await Rdb.RdbVerifier.VerifyAsync(OpenRead(plainPath), cancellationToken: ct).ConfigureAwait(false)).Keys;
            var result = await ContainerRestorer.RestoreAsync(docker, target, plainPath, keys, progress, ct).ConfigureAwait(false);
            return result with { SafetySnapshot = safety, Method = "container" };
        }
        finally
        {
            if (tempPlain is not null) File.Delete(tempPlain);
        }
    }

    private static FileStream OpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException ex)
        {
            throw new RedisBackupException(ErrorKind.NotFound, "BackupNotFound", $"The backup file '{path}' does not exist.", path, ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new RedisBackupException(ErrorKind.NotFound, "BackupNotFound", $"The backup file '{path}' does not exist.", path, ex);
        }
    }

    private static void Validate(RestoreRequest request)
    {
        if ((request.Endpoint is null) == (request.Container is null))
            throw new RedisBackupException(ErrorKind.InvalidArgument, "RestoreTargetRequired", "A restore needs exactly one target: a Redis endpoint (live restore) or a container.");
        if (request.Options.TargetDatabase is < 0)
            throw new RedisBackupException(ErrorKind.InvalidArgument, "InvalidDatabase", "The target database must not be negative.", request.Options.TargetDatabase);
        if (!File.Exists(request.Path))
            throw new RedisBackupException(ErrorKind.NotFound, "BackupNotFound", $"The backup file '{request.Path}' does not exist.", request.Path);
    }
}
