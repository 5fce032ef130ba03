using System.IO.Compression;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Redis;

using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Operations;

/// <summary>
/// Takes one backup into a catalog: lock → source → temporary file → verify → commit → retention.
/// A failure or cancellation deletes the temporary file, records the failure in the catalog journal and rethrows.
/// </summary>
public static class BackupOperation
{
    /// <summary>
    /// What a run of <paramref name="request"/> would do, for -WhatIf, --dry-run, -Verbose and progress: the ordered
    /// steps and, with retention, the backups it would remove. Validates the request; reads the catalog's listing;
    /// changes nothing.
    /// </summary>
    public static BackupPlan Prepare(BackupRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request = Resolve(request);
        var dir = BackupCatalog.ResolveDirectory(request.Directory);
        var source = SourceText(request);
        var steps = new List<(string, string, string)>();
        if (request.Kind == BackupKind.KeyLevel)
        {
            steps.Add((PlanStepIds.ExportKeys, $"Export keys from {request.Endpoint}"
                      + (request.Databases is { Count: > 0 } dbs ? $" ({(dbs.Count == 1 ? "database" : "databases")} {string.Join(", ", dbs)} only)" : "")
                      + (request.Match is null ? "" : $" matching '{request.Match}'") + (request.Exact ? " as DUMP payloads" : ""), request.Endpoint!.ToString()));
        }
        else if (request.Container is not null)
        {
            steps.Add((PlanStepIds.ContainerSave, $"Trigger BGSAVE in container '{request.Container}' and wait for it to finish", source));
            steps.Add((PlanStepIds.ContainerCopyOut, $"Copy the RDB file out of container '{request.Container}'", source));
        }
        else
        {
            steps.Add((PlanStepIds.ReplicationDownload, $"Download an RDB snapshot from {request.Endpoint} over the replication protocol (SYNC)", request.Endpoint!.ToString()));
        }
        steps.Add((PlanStepIds.VerifyAndSave, $"Verify the new file as it is written (a second reader checks and hashes the same bytes), then save it in {dir}", dir));
        IReadOnlyList<BackupRecord> wouldRemove = [];
        if (request.Keep is not null || request.MaxAge is not null)
        {
            steps.Add((PlanStepIds.Retention, "Apply retention to the backups of the same source and kind: " + DescribeRetention(request)
                      + (request.AllowShrink ? "" : " (held back if the new backup holds no keys, or fewer than half of the previous one)"), dir));
            wouldRemove = RetentionPreview(request, dir, source);
        }
        return new BackupPlan { Activity = ActivityText(request), Request = request, Steps = OperationPlan.Number(steps), RetentionWouldRemove = wouldRemove };
    }

    /// <summary>What retention would remove after this run, with the new backup counted as the newest verified one of its series.</summary>
    private static IReadOnlyList<BackupRecord> RetentionPreview(BackupRequest request, string dir, string source)
    {
        var now = DateTimeOffset.UtcNow;
        var kind = BackupSidecar.KindText(request.Kind);
        var justMade = new BackupRecord
        {
            Name = "(the new backup)",
            Path = Path.Combine(dir, "(the new backup)"),
            Kind = request.Kind,
            CreatedAt = now,
            Source = source,
            Verification = VerificationState.Verified,
            HasMetadata = true,
            Series = BackupSidecar.SeriesFor(kind, source, request.Kind == BackupKind.KeyLevel ? SelectionOptions(request) : null),
        };
        return new BackupCatalog(dir).PreviewRetention(new RetentionPolicy(request.Keep, request.MaxAge), justMade);
    }

    private static string ActivityText(BackupRequest request)
        => request.Kind == BackupKind.KeyLevel ? $"Backing up keys from {request.Endpoint}"
            : request.Container is not null ? $"Snapshot of container '{request.Container}'" : $"Snapshot of {request.Endpoint} over replication";

    /// <summary>The source as the catalog records it: "container:NAME", "replication:URI" or the endpoint.</summary>
    private static string SourceText(BackupRequest request)
        => request.Container is not null ? "container:" + request.Container
            : request.Kind == BackupKind.Snapshot ? "replication:" + request.Endpoint : request.Endpoint!.ToString();

    /// <summary>Takes the backup <paramref name="request"/> asks for: <see cref="Prepare"/>, then <see cref="RunAsync(BackupPlan, IProgress{OperationProgress}?, CancellationToken)"/>.</summary>
    public static Task<BackupOutcome> RunAsync(BackupRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunAsync(Prepare(request), progress, cancellationToken);
    }

    /// <summary>Runs exactly <paramref name="plan"/>: each step is announced by its plan number as it is entered, or reported as skipped.</summary>
    public static async Task<BackupOutcome> RunAsync(BackupPlan plan, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var request = plan.Request;
        var activity = plan.Activity;
        var source = SourceText(request);
        var catalog = new BackupCatalog(request.Directory);
        var startedAt = DateTimeOffset.UtcNow;
        string? partialPath = null;
        try
        {
            using var _ = catalog.AcquireLock();
            catalog.PrepareJournal();
            var stale = catalog.RemoveStalePartials(startedAt);
            foreach (var name in stale) progress?.Report(OperationProgress.Step(activity, $"Removed {name}, a partial file left by an interrupted run"));
            var compressed = request.Kind == BackupKind.KeyLevel || request.Compress;
            var format = request.Kind == BackupKind.KeyLevel ? BackupFormat.KeysJsonl : BackupFormat.Rdb;
            var pending = catalog.CreatePending(request.Kind, format, compressed, DateTimeOffset.UtcNow, request.Label);
            partialPath = pending.TempPath;
            try
            {
                if (request.Container is null)
                    progress?.Report(plan.Entering(plan.Steps[0], (request.Kind == BackupKind.KeyLevel ? "exporting keys" : "taking the snapshot") + $" into {pending.FinalName} (verified as it is written)"));
                BackupMetadata metadata;
                string sha256;
                long bytes;
                string? functionsNotCaptured = null;
                void Finishing() => progress?.Report(plan.Entering(plan.Step(PlanStepIds.VerifyAndSave), $"finishing the check of {pending.FinalName}"));
                if (request.Kind == BackupKind.KeyLevel)
                {
                    var options = new KeyExportOptions
                    {
                        Databases = request.Databases, Match = request.Match, Types = request.Types, Exact = request.Exact, Clock = request.Clock,
                        SpillPath = BackupNaming.SpillName(pending.TempPath, KeyExporter.SpillSuffix), IndexRunCapacity = request.IndexRunCapacity,
                        ExactLimit = request.ExactLimit,
                    };
                    // The pass owns the key index's spill file: it lives until the file is final, and goes on every path.
                    KeyExportPass? pass = null;
                    using var index = new DisposeLater(() => pass?.Dispose());
                    var (_, check) = await WriteCheckedAsync(pending.Stream, KeyFileVerifier.VerifyAsync,
                        async sink => pass = await KeyExporter.ExportPassAsync(request.Endpoint!, options, sink, progress, cancellationToken).ConfigureAwait(false),
                        Finishing, cancellationToken).ConfigureAwait(false);
                    var summary = pass!.Summary;
                    CheckKeyCount(check.Result.Keys, summary.Keys, pending);
                    if (pass.NeedsRewrite)
                    {
                        // SCAN returned keys twice (the keyspace shrank while it ran), or a stream over the limit was
                        // written as stream records, which the header (written before any key) does not require yet:
                        // write the file once more, without the later occurrences and with the requirement, into a
                        // second partial file checked as it is written, and keep that one.
                        var (repeats, streamRecords) = (pass.Repeats, pass.NeedsStreamRecords);
                        if (repeats is not null)
                            progress?.Report(OperationProgress.Step(activity, $"SCAN returned {repeats.Count} keys more than once (the keyspace was resized during the scan): writing the backup again without the repeats"));
                        if (streamRecords)
                            progress?.Report(OperationProgress.Step(activity, $"{summary.StreamsAsRecords} streams over the exact limit were written as stream records: writing the backup again with a header that requires them"));
                        var rewritten = catalog.CreatePending(request.Kind, format, compressed, pending.CreatedAt, request.Label);
                        try
                        {
                            pending.Stream.Position = 0;
                            var first = summary;
                            (summary, check) = await WriteCheckedAsync(rewritten.Stream, KeyFileVerifier.VerifyAsync,
                                sink => KeyFileRewriter.RewriteAsync(pending.Stream, repeats, streamRecords, first, sink, cancellationToken), static () => { }, cancellationToken).ConfigureAwait(false);
                            CheckKeyCount(check.Result.Keys, summary.Keys, rewritten);
                        }
                        catch
                        {
                            rewritten.Dispose();
                            throw;
                        }
                        pending.Dispose();
                        pending = rewritten;
                        partialPath = pending.TempPath;
                    }
                    if (summary.StreamsAsRecords > 0 && !check.Result.Requires.Contains(KeyFileFormat.StreamRecordsRequirement))
                        throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupVerificationFailed, "The new backup holds stream records but its header does not require them.", pending.TempPath);
                    (sha256, bytes) = (check.Sha256, check.Bytes);
                    functionsNotCaptured = summary.FunctionsNotCaptured;
                    metadata = new BackupMetadata
                    {
                        KeyCount = summary.Keys,
                        Source = source,
                        ServerVersion = summary.ServerVersion,
                        Verified = true,
                        Options = KeyOptions(request, summary),
                        Databases = VerifyOperation.DatabasesOf(check.Result.KeysPerDatabase),
                    };
                }
                else
                {
                    var (serverVersion, check) = await WriteCheckedAsync(pending.Stream, (s, ct) => CheckRdbAsync(s, compressed, ct),
                        sink => DownloadSnapshotAsync(plan, sink, compressed, progress, cancellationToken), Finishing, cancellationToken).ConfigureAwait(false);
                    (sha256, bytes) = (check.Sha256, check.Bytes);
                    metadata = new BackupMetadata
                    {
                        KeyCount = check.Result.Keys,
                        Source = source,
                        ServerVersion = serverVersion ?? check.Result.RedisVersion,
                        Verified = true,
                        VerificationLevel = check.Result.IsComplete ? VerificationLevel.Full : VerificationLevel.Partial,
                        VerificationNote = check.Result.IsComplete ? null : check.Result.CheckDescription,
                        Options = new Dictionary<string, string> { ["rdbVersion"] = check.Result.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                        Databases = VerifyOperation.DatabasesOf(check.Result.KeysPerDatabase),
                    };
                    if (!check.Result.IsComplete)
                        progress?.Report(OperationProgress.Step(activity, $"{pending.FinalName} is kept with a partial verification: {check.Result.CheckDescription}"));
                }

                var record = catalog.Commit(pending, metadata, sha256, bytes);
                IReadOnlyList<BackupRecord> removed = [];
                string? heldBack = null;
                if (request.Keep is not null || request.MaxAge is not null)
                {
                    progress?.Report(plan.Entering(plan.Step(PlanStepIds.Retention)));
                    var policy = new RetentionPolicy(request.Keep, request.MaxAge);
                    heldBack = request.AllowShrink ? null : catalog.RetentionHoldBack(policy, record);
                    if (heldBack is not null)
                    {
                        heldBack = $"Retention was held back: {heldBack}. Nothing was removed; allow shrinking (--allow-shrink, -AllowShrink) to apply retention anyway.";
                        progress?.Report(OperationProgress.Step(activity, heldBack));
                    }
                    else
                    {
                        removed = catalog.ApplyRetention(policy, record);
                        foreach (var r in removed) progress?.Report(OperationProgress.Step(activity, $"Removed old backup {r.Name}"));
                    }
                }
                return new BackupOutcome { Backup = record, Removed = removed, RetentionHeldBack = heldBack, StalePartialsRemoved = stale, FunctionsNotCaptured = functionsNotCaptured };
            }
            finally
            {
                pending.Dispose();
            }
        }
        catch (Exception ex)
        {
            var error = Translate(ex, catalog.Directory, partialPath);
            if (error is not RedisBackupException { ErrorId: ErrorIds.CatalogNotADirectory or ErrorIds.UnsafeCatalogPath or ErrorIds.CatalogNotWritable })
            {
                var problem = catalog.RecordFailure("backup", source, error);
                if (problem is not null && error is RedisBackupException rbe)
                    error = new RedisBackupException(rbe.Kind, rbe.ErrorId, $"{rbe.Message.TrimEnd().TrimEnd('.')}. This failure could not be recorded in the catalog's journal: {problem}.", rbe.Target, rbe.InnerException ?? rbe);
            }
            if (ReferenceEquals(error, ex)) throw;
            throw error;
        }
    }

    /// <summary>Turns a file-system failure into the engine's error, saying truthfully what became of the partial file.</summary>
    private static Exception Translate(Exception ex, string directory, string? partialPath)
    {
        if (ex is not (IOException or UnauthorizedAccessException)) return ex;
        var partial = partialPath is null ? ""
            : File.Exists(partialPath) ? $" The partial file {Path.GetFileName(partialPath)} could not be removed; the next backup run removes it."
            : " The partial file was removed and earlier backups are untouched.";
        if (ex is IOException io && IsDiskFull(io))
            return new RedisBackupException(ErrorKind.WriteFailed, ErrorIds.BackupDiskFull, $"The backup volume of {directory} is full.{partial}", directory, ex);
        return new RedisBackupException(ErrorKind.WriteFailed, ErrorIds.BackupWriteFailed, $"Writing the backup into {directory} failed: {ex.Message.TrimEnd('.')}.{partial}", directory, ex);
    }

    private sealed class DisposeLater(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }

    private static void CheckKeyCount(long checkedKeys, long writtenKeys, PendingBackup pending)
    {
        if (checkedKeys != writtenKeys)
            throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupVerificationFailed, $"The new backup holds {checkedKeys} keys but {writtenKeys} were written.", pending.TempPath);
    }

    /// <summary>The RDB check of a snapshot being written: decompressed first when it is stored gzip-compressed.</summary>
    private static async Task<RdbSummary> CheckRdbAsync(Stream written, bool compressed, CancellationToken ct)
    {
        Stream read = new NonClosingStream(written);
        if (compressed) read = new GZipStream(read, CompressionMode.Decompress);
        await using (read.ConfigureAwait(false))
            return await RdbVerifier.VerifyAsync(new BufferedStream(read, 1 << 20), deep: false, null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a new backup file through a <see cref="VerifyingWriteStream{T}"/>: <paramref name="write"/> produces the
    /// bytes while <paramref name="check"/> reads the same bytes on another task. Returns what each found, the check with
    /// the SHA-256 and length of everything written. When the check failed, its error is the cause of whatever the
    /// writer then threw (a write refused, a cancellation), so it is reported as the verification failure.
    /// </summary>
    internal static async Task<(TWritten Written, VerifiedWrite<TChecked> Check)> WriteCheckedAsync<TChecked, TWritten>(
        Stream file, Func<Stream, CancellationToken, Task<TChecked>> check, Func<Stream, Task<TWritten>> write, Action finishing, CancellationToken ct)
    {
        var sink = new VerifyingWriteStream<TChecked>(file, check, ct);
        await using (sink.ConfigureAwait(false))
        {
            try
            {
                var written = await write(sink).ConfigureAwait(false);
                finishing();
                return (written, await sink.CompleteAsync(ct).ConfigureAwait(false));
            }
            catch (Exception ex) when (sink.CheckFailure is { } failure and not OperationCanceledException)
            {
                var detail = failure is RedisBackupException rb ? rb.Message : failure.Message;
                throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupVerificationFailed,
                    $"The new backup failed its check while it was being written, so it was not kept: {detail}", null, failure is RedisBackupException ? failure : ex);
            }
        }
    }

    /// <summary>Copies a snapshot (container or replication) into <paramref name="sink"/>, gzip-compressed when asked; returns the server version.</summary>
    private static async Task<string?> DownloadSnapshotAsync(BackupPlan plan, Stream sink, bool compressed, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        var gzip = compressed ? GzipFactory.Fastest(sink) : null;
        await using (gzip)
        {
            var target = gzip ?? sink;
            var request = plan.Request;
            if (request.Container is not null)
            {
                using var docker = DockerClient.FromEnvironment();
                var options = new ContainerSnapshotOptions
                {
                    Credentials = request.ContainerCredentials,
                    File = request.ContainerFile,
                    OnStage = (stage, skipped) => progress?.Report(stage switch
                    {
                        ContainerSnapshotStage.Saving => plan.Entering(plan.Step(PlanStepIds.ContainerSave)),
                        ContainerSnapshotStage.SaveSkipped => plan.Skipping(plan.Step(PlanStepIds.ContainerSave), skipped ?? "it does not apply"),
                        _ => plan.Entering(plan.Step(PlanStepIds.ContainerCopyOut)),
                    }),
                };
                return (await ContainerSnapshotSource.DownloadAsync(docker, request.Container, target, options, progress, ct).ConfigureAwait(false)).ServerVersion;
            }
            return (await ReplicationSnapshot.DownloadAsync(request.Endpoint!, target, progress, ct).ConfigureAwait(false)).ServerVersion;
        }
    }

    private static bool IsDiskFull(IOException ex) => ex.HResult == 28 /* ENOSPC */ || ex.HResult == unchecked((int)0x80070070) || ex.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    private static Dictionary<string, string> KeyOptions(BackupRequest request, KeyExportSummary summary)
    {
        var d = SelectionOptions(request);
        if (summary.Role is not null) d["role"] = summary.Role;
        if (summary.FunctionLibraries > 0) d["functionLibraries"] = summary.FunctionLibraries.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (summary.LogicalKeys > 0) d["logicalKeys"] = summary.LogicalKeys.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return d;
    }

    /// <summary>The key selection a key-level backup records (and its retention series is named by).</summary>
    private static Dictionary<string, string> SelectionOptions(BackupRequest request)
    {
        var d = new Dictionary<string, string> { ["exact"] = request.Exact ? "true" : "false" };
        if (request.Match is not null) d["match"] = request.Match;
        if (request.Types is { Count: > 0 }) d["types"] = string.Join(',', request.Types);
        if (request.Databases is { Count: > 0 }) d["databases"] = string.Join(',', request.Databases);
        return d;
    }

    private static string DescribeRetention(BackupRequest request)
        => string.Join(", ", new[]
        {
            request.Keep is null ? null : $"keep the newest {request.Keep}",
            request.MaxAge is null ? null : $"remove backups older than {AgeText.Describe(request.MaxAge.Value)}",
        }.Where(s => s is not null));

    /// <summary>
    /// The request as it will run: checked (<see cref="Check"/>), and a database named by the endpoint's URI (redis://h/5)
    /// made the only database exported. A URI database that contradicts an explicit database list, or a URI database for
    /// a snapshot (which always holds every database), is a usage error: the URI's database is never shown and then ignored.
    /// </summary>
    public static BackupRequest Resolve(BackupRequest request)
    {
        request = Check(request);
        if (request.Endpoint?.Database is not { } uriDb) return request;
        if (request.Kind == BackupKind.Snapshot)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.DatabaseNeedsKeyLevel,
                $"The URI names database {uriDb}, but a snapshot always holds every database. Remove '/{uriDb}' from the URI, or take a key-level backup of database {uriDb}.", uriDb);
        if (request.Databases is { Count: > 0 } dbs && dbs.Distinct().Any(d => d != uriDb))
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.ConflictingDatabases,
                $"The URI names database {uriDb} but the database list asks for {string.Join(", ", dbs.Distinct().Order())}. Give the database in one place.", uriDb);
        return request with { Databases = [uriDb] };
    }

    /// <summary>
    /// Every check of a backup request: the one place both fronts' values are checked (they only map their options onto
    /// the request). Returns the request with its key types normalized. Reads no file and no server. Throws
    /// InvalidArgument with an id of <see cref="ErrorIds"/>.
    /// </summary>
    public static BackupRequest Check(BackupRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Endpoint is not null && request.Container is not null)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.ConflictingSource,
                $"Give either a container ('{request.Container}') or a Redis endpoint (host, port or URI) to back up, not both.", request.Container);
        if (request.Kind == BackupKind.KeyLevel)
        {
            if (request.Container is not null) throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.ContainerNeedsSnapshot, "A container backup is an RDB snapshot: use the snapshot kind with a container.");
            if (request.Endpoint is null) throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.EndpointRequired, "A key-level backup needs a Redis endpoint (host/port or URI).");
        }
        else
        {
            if (request.Endpoint is null && request.Container is null)
                throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.SnapshotSourceRequired, "An RDB snapshot needs exactly one source: a container, or a Redis endpoint for the replication download.");
            if (request.Exact || request.Match is not null || request.Types is { Count: > 0 } || request.Databases is { Count: > 0 })
                throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.KeyOptionsNeedKeyLevel,
                    "The key options (exact, match, type, database) choose keys, so they apply to a key-level backup only; a snapshot always holds every key.");
        }
        if (request.Keep is < 1) throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidKeep, $"Keep must be at least 1 (got {request.Keep}): the backup just made is always kept.", request.Keep);
        if (request.MaxAge is { } age && age <= TimeSpan.Zero) throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidMaxAge, $"MaxAge must be a positive time span (got {age}).", age);
        DatabaseNumbers.Check(request.Databases, "A database to back up");
        BackupNaming.CheckLabel(request.Label);
        return request with { Types = KeyTypeNames.Validate(request.Types) };
    }
}
