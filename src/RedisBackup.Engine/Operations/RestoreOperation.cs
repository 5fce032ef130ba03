using System.Diagnostics;
using System.IO.Compression;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
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
        request = Resolve(request);
        var backup = BackupCatalog.Describe(request.Path);
        var steps = new List<string>();
        if (!request.SkipVerify)
            steps.Add(VerifyOperation.HasTrustedSidecar(backup.Path)
                ? $"Check {backup.Name} against its sealed SHA-256 (its structure was verified when it was written)"
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
            steps.Add($"Read the settings container '{request.Container}' starts Redis with (command line, config file) and refuse a target that would load an AOF on restart");
            steps.Add($"Read {backup.Name} once: check it, compare its RDB version with the container's server, and sample keys to check after the restart");
            if (!request.SkipSafetySnapshot) steps.Add($"Take a safety snapshot of container '{request.Container}' into {BackupCatalog.ResolveDirectory(request.SafetySnapshotDirectory)}");
            steps.Add($"Stop container '{request.Container}'");
            steps.Add($"Copy {backup.Name}{(backup.Compressed ? " (decompressed as it streams)" : "")} into the container's data directory under a temporary name, complete");
            steps.Add("Switch the data file to the new data; the previous file keeps a second name until the new data is proven");
            steps.Add($"Start container '{request.Container}' and wait until Redis has loaded the data");
            steps.Add($"Check that the keys per database ({backup.KeyCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "from the file"} in all) and sampled keys match the backup; on any failure, put the previous file back and start the container again");
        }
        else
        {
            var how = backup.Format == BackupFormat.Rdb ? "replay its keys as RESTORE commands (or, where the target cannot take a payload, as logical commands)" : "write its keys";
            steps.Add($"Restore {backup.Name} into {RestoreGuards.Describe(request.Endpoint!, opts)}: {how} into {db}, {existing}, with {ttl}{DescribeFilters(opts)}");
        }
        return steps;
    }

    /// <summary>
    /// Runs the restore. A failure, a cancellation or keys that failed are recorded in the journal of the catalog that
    /// holds the backup (<see cref="RestoreJournal"/>), with the message that says how far the restore got.
    /// </summary>
    public static async Task<RestoreResult> RunAsync(RestoreRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request = Resolve(request);
        RestoreResult result;
        try
        {
            result = await RunCoreAsync(request, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RestoreJournal.RecordFailure(request, ex);
            throw;
        }
        RestoreJournal.RecordIncomplete(request, result);
        return result;
    }

    private static async Task<RestoreResult> RunCoreAsync(RestoreRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var backup = BackupCatalog.Describe(request.Path);
        var target = TargetText(request);
        var activity = $"Restoring {backup.Name} into {target}";

        long? verifiedKeys = backup.KeyCount;
        IReadOnlyList<int>? databases = null;
        if (!request.SkipVerify)
        {
            progress?.Report(OperationProgress.Step(activity, $"Verifying {backup.Name}"));
            var check = await VerifyOperation.CheckBeforeRestoreAsync(backup.Path, progress, cancellationToken).ConfigureAwait(false);
            if (!check.IsValid)
                throw new RedisBackupException(ErrorKind.InvalidData, "BackupVerificationFailed",
                    $"{backup.Name} failed verification, so nothing was restored: {string.Join("; ", check.Problems)}", backup.Path);
            databases = check.Databases;
            if (check.Level == VerificationLevel.Partial) progress?.Report(OperationProgress.Step(activity, $"{backup.Name} was verified in part: {check.Note}"));
            else verifiedKeys = check.KeyCount ?? verifiedKeys; // a partial check counts only the keys before the unchecked part
        }

        RestoreResult result;
        if (request.Container is not null)
        {
            if (backup.Format != BackupFormat.Rdb)
                throw new RedisBackupException(ErrorKind.NotSupported, "ContainerRestoreNeedsSnapshot",
                    $"{backup.Name} is a key-level backup; only RDB snapshots are swapped into a container. Restore it into the live server instead (its host and port).", backup.Path);
            result = await RestoreIntoContainerAsync(request, backup, activity, progress, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            progress?.Report(OperationProgress.Step(activity, $"Writing keys into {target}"));
            try
            {
                result = await RestoreLiveAsync(request, backup, databases, KeyCountProgress.Wrap(progress, verifiedKeys), cancellationToken).ConfigureAwait(false);
            }
            catch (RestoreInterruptedException stopped)
            {
                throw stopped.WithResult(r => r with { BackupPath = backup.Path, Target = target, Duration = started.Elapsed });
            }
        }

        return result with { BackupPath = backup.Path, Target = target, Duration = started.Elapsed };
    }

    /// <summary>Writes the backup's keys into the live server; the databases the verification found are checked against the target before anything is written.</summary>
    private static async Task<RestoreResult> RestoreLiveAsync(RestoreRequest request, BackupRecord backup, IReadOnlyList<int>? databases, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        var options = request.Options with { KnownSourceDatabases = databases };
        var file = OpenRead(backup.Path);
        await using (file.ConfigureAwait(false))
        {
            if (backup.Format == BackupFormat.Rdb)
            {
                Stream rdb = backup.Compressed ? new GZipStream(file, CompressionMode.Decompress) : file;
                await using (rdb.ConfigureAwait(false))
                    return await RdbLiveRestorer.RestoreAsync(new BufferedStream(rdb, 1 << 20), request.Endpoint!, options, progress, ct).ConfigureAwait(false);
            }
            if (backup.Format is BackupFormat.KeysJsonl or BackupFormat.SeedJson)
                return await KeyRestorer.RestoreAsync(file, request.Endpoint!, options, progress, ct).ConfigureAwait(false);
            throw new RedisBackupException(ErrorKind.InvalidData, "BackupFormatUnknown", $"{backup.Name} is not a backup this tool can read (neither RDB nor a key-level export).", backup.Path);
        }
    }

    /// <summary>
    /// The container restore: prepare (settings it starts with, AOF refusal), read the backup once (what to prove
    /// afterwards, the version check), keep what must be kept (a data file an interrupted restore left, the safety
    /// snapshot), then the swap. A compressed backup is decompressed as it streams into the container; no plain copy
    /// of it is written anywhere.
    /// </summary>
    private static async Task<RestoreResult> RestoreIntoContainerAsync(RestoreRequest request, BackupRecord backup, string activity, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        using var docker = DockerClient.FromEnvironment();
        var container = request.Container!;
        var target = await ContainerRestorer.PrepareAsync(docker, container, request.ContainerCredentials, ct).ConfigureAwait(false);
        var source = new RdbSource(backup.Path, backup.Compressed);
        var evidence = await ContainerRestorer.ReadBackupAsync(target, source, progress, ct).ConfigureAwait(false);
        ContainerRestorer.CheckVersion(target, evidence, backup.Name);

        BackupRecord? interrupted = null;
        if (target.InterruptedRestoreFile is { } leftover)
        {
            progress?.Report(OperationProgress.Step(activity, $"{leftover} in container '{container}' holds the data file an earlier, interrupted restore kept: copying it into the catalog first"));
            interrupted = (await BackupOperation.RunAsync(new BackupRequest
            {
                Kind = BackupKind.Snapshot,
                Container = container,
                ContainerFile = leftover,
                ContainerCredentials = request.ContainerCredentials,
                Directory = request.SafetySnapshotDirectory,
                Compress = true,
                Label = "interrupted-restore",
            }, progress, ct).ConfigureAwait(false)).Backup;
        }

        BackupRecord? safety = null;
        if (!request.SkipSafetySnapshot)
        {
            if (!target.Running && await docker.StatPathAsync(container, target.RdbPath, ct).ConfigureAwait(false) is null)
            {
                progress?.Report(OperationProgress.Step(activity, $"Container '{container}' is stopped and has no data file {target.RdbPath}: there is no data to keep in a safety snapshot"));
            }
            else
            {
                progress?.Report(OperationProgress.Step(activity, target.Running
                    ? $"Taking a safety snapshot of container '{container}' before anything changes"
                    : $"Taking a safety snapshot of stopped container '{container}' (a copy of its data file {target.RdbPath}) before anything changes"));
                try
                {
                    safety = (await BackupOperation.RunAsync(new BackupRequest
                    {
                        Kind = BackupKind.Snapshot,
                        Container = container,
                        ContainerCredentials = request.ContainerCredentials,
                        Directory = request.SafetySnapshotDirectory,
                        Compress = true,
                        Label = "pre-restore",
                    }, progress, ct).ConfigureAwait(false)).Backup;
                }
                catch (RedisBackupException ex) when (!target.Running)
                {
                    throw new RedisBackupException(ex.Kind, ex.ErrorId,
                        $"The safety snapshot of stopped container '{container}' (a copy of its data file {target.RdbPath}) failed: {ex.Message.TrimEnd('.')}. Nothing was changed. " +
                        "If that file is damaged and you mean to replace it, run the restore again with --no-safety-snapshot (PowerShell: -SkipSafetySnapshot).", container, ex);
                }
            }
        }

        var result = await ContainerRestorer.RestoreAsync(docker, target, source, evidence, safety?.Path, progress, ct).ConfigureAwait(false);
        return result with { SafetySnapshot = safety, InterruptedRestoreCopy = interrupted, Method = "container" };
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

    /// <summary>", only database 1, keys matching 'user:*', of type hash" for the steps; empty without filters.</summary>
    private static string DescribeFilters(RestoreOptions options)
    {
        var parts = new List<string>();
        if (options.Databases is { Count: > 0 } dbs) parts.Add((dbs.Count == 1 ? "only database " : "only databases ") + string.Join(", ", dbs));
        if (!string.IsNullOrEmpty(options.Match)) parts.Add($"keys matching '{options.Match}'");
        if (options.Types is { Count: > 0 } types) parts.Add("of type " + string.Join(" or ", types));
        return parts.Count == 0 ? "" : ", " + string.Join(", ", parts);
    }

    /// <summary>
    /// The request as it will run: validated, and a database named by the endpoint's URI (redis://h/5) made the target
    /// database, where every key goes (as with <see cref="RestoreOptions.TargetDatabase"/>; the two given with different
    /// databases are a usage error).
    /// </summary>
    public static RestoreRequest Resolve(RestoreRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        return request.Endpoint is null ? request : request with { Options = RestoreGuards.Resolve(request.Options, request.Endpoint) };
    }

    /// <summary>The target as results and messages name it: "container:NAME", or the endpoint with the database every key goes into (redis://h:6379/5).</summary>
    public static string TargetText(RestoreRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Container is not null) return "container:" + request.Container;
        var resolved = Resolve(request);
        return RestoreGuards.Describe(resolved.Endpoint!, resolved.Options);
    }

    private static void Validate(RestoreRequest request)
    {
        if ((request.Endpoint is null) == (request.Container is null))
            throw new RedisBackupException(ErrorKind.InvalidArgument, "RestoreTargetRequired", "A restore needs exactly one target: a Redis endpoint (live restore) or a container.");
        if (request.Container is not null && request.Options.Filters)
            throw new RedisBackupException(ErrorKind.InvalidArgument, "FiltersNeedLiveRestore",
                "A container restore swaps the whole snapshot file in, so it cannot leave keys out: --db, --match and --type (-SourceDatabase, -Match, -Type) apply to restores into a live server.");
        if (request.Options.TargetDatabase is < 0)
            throw new RedisBackupException(ErrorKind.InvalidArgument, "InvalidDatabase", "The target database must not be negative.", request.Options.TargetDatabase);
        if (!File.Exists(request.Path))
            throw new RedisBackupException(ErrorKind.NotFound, "BackupNotFound", $"The backup file '{request.Path}' does not exist.", request.Path);
    }
}
