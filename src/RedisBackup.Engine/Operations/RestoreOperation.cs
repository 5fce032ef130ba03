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
    /// <summary>
    /// What a run of <paramref name="request"/> would do, for -WhatIf, --dry-run, -Verbose and progress: the ordered
    /// steps. Validates the request and reads the backup's metadata; changes nothing.
    /// </summary>
    public static RestorePlan Prepare(RestoreRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request = Resolve(request);
        var backup = BackupCatalog.Describe(request.Path);
        var file = backup.Path;
        var steps = new List<(string, string, string)>();
        if (!request.SkipVerify)
            steps.Add((PlanStepIds.VerifyBackup, VerifyOperation.HasTrustedSidecar(backup.Path)
                ? $"Check {backup.Name} against its sealed SHA-256 (its structure was verified when it was written)"
                : $"Verify {backup.Name} (checksum and structure)", file));
        var opts = request.Options;
        var existing = opts.ExistingKeys switch
        {
            ExistingKeyPolicy.Replace => "replacing existing keys",
            ExistingKeyPolicy.Flush => "after emptying each target database (FLUSHDB)",
            _ => "skipping keys that already exist",
        };
        var ttl = opts.Ttl == TtlMode.Absolute ? "original absolute expiry times" : "TTLs relative to now";
        var db = opts.TargetDatabase is null ? "their original databases" : $"database {opts.TargetDatabase}";
        if (request.Container is { } container)
        {
            var target = "container:" + container;
            var grace = DockerClient.DefaultStopGrace.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
            steps.Add((PlanStepIds.ContainerPrepare, $"Read the settings container '{container}' starts Redis with (command line, config file) and refuse a target that would load an AOF on restart", target));
            steps.Add((PlanStepIds.ReadBackup, $"Read {backup.Name} once: check it, compare its RDB version with the container's server, and sample keys to check after the restart", file));
            if (!request.SkipSafetySnapshot)
            {
                var safetyDir = BackupCatalog.ResolveDirectory(request.SafetySnapshotDirectory);
                steps.Add((PlanStepIds.SafetySnapshot, $"Take a safety snapshot of container '{container}' into {safetyDir}", safetyDir));
            }
            steps.Add((PlanStepIds.ContainerStop, $"Stop container '{container}' (up to {grace} s for Redis to shut down)", target));
            steps.Add((PlanStepIds.ContainerCopyIn, $"Copy {backup.Name}{(backup.Compressed ? " (decompressed as it streams)" : "")} into the container's data directory as its data file's name + '{DataFileSwap.IncomingSuffix}', complete, before anything else changes", target));
            steps.Add((PlanStepIds.ContainerSwitch, $"Switch the data file to the new data; the previous file stays as its name + '{DataFileSwap.PreviousSuffix}' until the new data is proven", target));
            steps.Add((PlanStepIds.ContainerStart, $"Start container '{container}' and wait until Redis has loaded the data", target));
            steps.Add((PlanStepIds.ContainerCheck, $"Check that the keys per database ({backup.KeyCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "from the file"} in all) and sampled keys match the backup; on any failure, put the previous file back and start the container again", target));
        }
        else
        {
            var how = backup.Format == BackupFormat.Rdb ? "replay its keys as RESTORE commands (or, where the target cannot take a payload, as logical commands)" : "write its keys";
            var target = RestoreGuards.Describe(request.Endpoint!, opts);
            steps.Add((PlanStepIds.WriteKeys, $"Restore {backup.Name} into {target}: {how} into {db}, {existing}, with {ttl}{DescribeFilters(opts)}", target));
        }
        return new RestorePlan
        {
            Activity = $"Restoring {backup.Name} into {TargetText(request)}",
            Request = request,
            Backup = backup,
            Steps = OperationPlan.Number(steps),
        };
    }

    /// <summary>
    /// Runs the restore. A failure, a cancellation or keys that failed are recorded in the journal of the catalog that
    /// holds the backup (<see cref="RestoreJournal"/>), with the message that says how far the restore got.
    /// </summary>
    public static async Task<RestoreResult> RunAsync(RestoreRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var resolved = Resolve(request);
        RestorePlan plan;
        try
        {
            plan = Prepare(resolved);
        }
        catch (Exception ex)
        {
            RestoreJournal.RecordFailure(resolved, ex);
            throw;
        }
        return await RunAsync(plan, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs exactly <paramref name="plan"/>: each step is announced by its plan number as it is entered, or reported as skipped.</summary>
    public static async Task<RestoreResult> RunAsync(RestorePlan plan, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var request = plan.Request;
        RestoreResult result;
        try
        {
            result = await RunCoreAsync(plan, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RestoreJournal.RecordFailure(request, ex);
            throw;
        }
        RestoreJournal.RecordIncomplete(request, result);
        return result;
    }

    private static async Task<RestoreResult> RunCoreAsync(RestorePlan plan, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var request = plan.Request;
        var backup = plan.Backup;
        var target = TargetText(request);
        var activity = plan.Activity;

        long? verifiedKeys = backup.KeyCount;
        IReadOnlyList<int>? databases = null;
        if (!request.SkipVerify)
        {
            progress?.Report(plan.Entering(plan.Step(PlanStepIds.VerifyBackup)));
            var check = await VerifyOperation.CheckBeforeRestoreAsync(backup.Path, progress, cancellationToken).ConfigureAwait(false);
            if (!check.IsValid)
                throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupVerificationFailed,
                    $"{backup.Name} failed verification, so nothing was restored: {string.Join("; ", check.Problems)}", backup.Path);
            databases = check.Databases;
            if (check.Level == VerificationLevel.Partial) progress?.Report(OperationProgress.Step(activity, $"{backup.Name} was verified in part: {check.Note}"));
            else verifiedKeys = check.KeyCount ?? verifiedKeys; // a partial check counts only the keys before the unchecked part
        }

        RestoreResult result;
        if (request.Container is not null)
        {
            if (backup.Format != BackupFormat.Rdb)
                throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ContainerRestoreNeedsSnapshot,
                    $"{backup.Name} is a key-level backup; only RDB snapshots are swapped into a container. Restore it into the live server instead (its host and port).", backup.Path);
            result = await RestoreIntoContainerAsync(plan, progress, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            progress?.Report(plan.Entering(plan.Step(PlanStepIds.WriteKeys)));
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
            throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupFormatUnknown, $"{backup.Name} is not a backup this tool can read (neither RDB nor a key-level export).", backup.Path);
        }
    }

    /// <summary>
    /// The container restore: prepare (settings it starts with, AOF refusal), read the backup once (what to prove
    /// afterwards, the version check), keep what must be kept (a data file an interrupted restore left, the safety
    /// snapshot), then the swap. A compressed backup is decompressed as it streams into the container; no plain copy
    /// of it is written anywhere.
    /// </summary>
    private static async Task<RestoreResult> RestoreIntoContainerAsync(RestorePlan plan, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        var request = plan.Request;
        var backup = plan.Backup;
        var activity = plan.Activity;
        using var docker = DockerClient.FromEnvironment();
        var container = request.Container!;
        progress?.Report(plan.Entering(plan.Step(PlanStepIds.ContainerPrepare)));
        var target = await ContainerRestorer.PrepareAsync(docker, container, request.ContainerCredentials, ct).ConfigureAwait(false);
        var source = new RdbSource(backup.Path, backup.Compressed);
        progress?.Report(plan.Entering(plan.Step(PlanStepIds.ReadBackup)));
        var evidence = await ContainerRestorer.ReadBackupAsync(target, source, progress, ct, announce: false).ConfigureAwait(false);
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
            }, Nested(progress, activity, "Copy of the kept data file"), ct).ConfigureAwait(false)).Backup;
        }

        BackupRecord? safety = null;
        if (plan.FindStep(PlanStepIds.SafetySnapshot) is { } safetyStep)
        {
            if (!target.Running && await docker.StatPathAsync(container, target.RdbPath, ct).ConfigureAwait(false) is null)
            {
                progress?.Report(plan.Skipping(safetyStep, $"container '{container}' is stopped and has no data file {target.RdbPath}: there is no data to keep"));
            }
            else
            {
                progress?.Report(plan.Entering(safetyStep));
                if (!target.Running)
                    progress?.Report(OperationProgress.Step(activity, $"Container '{container}' is stopped: the safety snapshot is a copy of its data file {target.RdbPath}"));
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
                    }, Nested(progress, activity, "Safety snapshot"), ct).ConfigureAwait(false)).Backup;
                }
                catch (RedisBackupException ex) when (!target.Running)
                {
                    throw new RedisBackupException(ex.Kind, ex.ErrorId,
                        $"The safety snapshot of stopped container '{container}' (a copy of its data file {target.RdbPath}) failed: {ex.Message.TrimEnd('.')}. Nothing was changed. " +
                        "If that file is damaged and you mean to replace it, run the restore again with --no-safety-snapshot (PowerShell: -SkipSafetySnapshot).", container, ex);
                }
            }
        }

        string[] swapIds = [PlanStepIds.ContainerStop, PlanStepIds.ContainerCopyIn, PlanStepIds.ContainerSwitch, PlanStepIds.ContainerStart, PlanStepIds.ContainerCheck];
        var swapSteps = swapIds.Select(plan.Step).ToList();
        var numbering = new SwapSteps(swapSteps[0].Number, plan.Steps.Count,
            (phase, skipped) => skipped is null ? plan.Entering(swapSteps[phase]) : plan.Skipping(swapSteps[phase], skipped));
        var result = await ContainerRestorer.RestoreAsync(docker, target, source, evidence, safety?.Path, progress, ct, numbering).ConfigureAwait(false);
        return result with { SafetySnapshot = safety, InterruptedRestoreCopy = interrupted, Method = "container" };
    }

    /// <summary>
    /// The progress of a backup run inside a restore (the safety snapshot): its plan's step lines become detail lines
    /// of the restore's current step ("Safety snapshot: Copy the RDB file out of container 'x'"), so the restore's own
    /// "Step n/total" numbering is the only one the user sees.
    /// </summary>
    private static NestedProgress? Nested(IProgress<OperationProgress>? progress, string activity, string prefix)
        => progress is null ? null : new NestedProgress(progress, activity, prefix);

    private sealed class NestedProgress(IProgress<OperationProgress> inner, string activity, string prefix) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value)
        {
            if (value.PlanStep is not { } step) inner.Report(value);
            else if (!value.Skipped) inner.Report(OperationProgress.Step(activity, $"{prefix}: {step.Text}"));
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
            throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"The backup file '{path}' does not exist.", path, ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"The backup file '{path}' does not exist.", path, ex);
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
        Check(request);
        if (!File.Exists(request.Path))
            throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"The backup file '{request.Path}' does not exist.", request.Path);
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

    /// <summary>
    /// Every check of a restore request that needs no file or server: the one place both fronts' values are checked
    /// (they only map their options onto the request). Returns the request. Throws InvalidArgument with an id of
    /// <see cref="ErrorIds"/>.
    /// </summary>
    public static RestoreRequest Check(RestoreRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.Path);
        if (request.Endpoint is not null && request.Container is not null)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.ConflictingTarget,
                $"Give either a container ('{request.Container}') or a Redis endpoint (host, port or URI) to restore into, not both.", request.Container);
        if (request.Endpoint is null && request.Container is null)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.RestoreTargetRequired, "A restore needs exactly one target: a Redis endpoint (live restore) or a container.");
        if (request.Container is not null && request.Options.Filters)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.FiltersNeedLiveRestore,
                "A container restore swaps the whole snapshot file in, so it cannot leave keys out: --db, --match and --type (-SourceDatabase, -Match, -Type) apply to restores into a live server.");
        RestoreGuards.CheckOptions(request.Options);
        return request;
    }

    /// <summary>
    /// The existing-key policy two switches ask for (--replace/-Replace, --flush/-Flush): both together are refused
    /// (<see cref="ErrorIds.ConflictingExistingKeyPolicy"/>).
    /// </summary>
    public static ExistingKeyPolicy ExistingKeys(bool replace, bool flush)
    {
        if (replace && flush)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.ConflictingExistingKeyPolicy,
                "Replace overwrites existing keys one by one and flush empties each target database first: choose one of the two.");
        return flush ? ExistingKeyPolicy.Flush : replace ? ExistingKeyPolicy.Replace : ExistingKeyPolicy.Skip;
    }
}
