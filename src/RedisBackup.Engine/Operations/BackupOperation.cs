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
    /// <summary>The steps a run would take, for -WhatIf and --dry-run. Changes nothing.</summary>
    public static IReadOnlyList<string> Plan(BackupRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request = Resolve(request);
        var dir = BackupCatalog.ResolveDirectory(request.Directory);
        var steps = new List<string>();
        if (request.Kind == BackupKind.KeyLevel)
        {
            steps.Add($"Export keys from {request.Endpoint}"
                      + (request.Databases is { Count: > 0 } dbs ? $" ({(dbs.Count == 1 ? "database" : "databases")} {string.Join(", ", dbs)} only)" : "")
                      + (request.Match is null ? "" : $" matching '{request.Match}'") + (request.Exact ? " as DUMP payloads" : ""));
        }
        else if (request.Container is not null)
        {
            steps.Add($"Trigger BGSAVE in container '{request.Container}' and wait for it to finish");
            steps.Add($"Copy the RDB file out of container '{request.Container}'");
        }
        else
        {
            steps.Add($"Download an RDB snapshot from {request.Endpoint} over the replication protocol (SYNC)");
        }
        steps.Add($"Verify the new file as it is written (a second reader checks and hashes the same bytes), then save it in {dir}");
        if (request.Keep is not null || request.MaxAge is not null)
            steps.Add("Apply retention to the backups of the same source and kind: " + DescribeRetention(request)
                      + (request.AllowShrink ? "" : " (held back if the new backup holds no keys, or fewer than half of the previous one)"));
        return steps;
    }

    public static async Task<BackupOutcome> RunAsync(BackupRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request = Resolve(request);
        request = request with { Types = KeyTypeNames.Validate(request.Types) };
        var catalog = new BackupCatalog(request.Directory);
        var activity = request.Kind == BackupKind.KeyLevel ? $"Backing up keys from {request.Endpoint}"
            : request.Container is not null ? $"Snapshot of container '{request.Container}'" : $"Snapshot of {request.Endpoint} over replication";
        var source = request.Container is not null ? "container:" + request.Container
            : request.Kind == BackupKind.Snapshot ? "replication:" + request.Endpoint : request.Endpoint!.ToString();
        var startedAt = DateTimeOffset.UtcNow;
        string? partialPath = null;
        try
        {
            using var _ = catalog.AcquireLock();
            catalog.PrepareJournal();
            var stale = catalog.RemoveStalePartials(startedAt);
            foreach (var name in stale) progress?.Report(OperationProgress.Step(activity, $"Removed {name}, a partial file left by an interrupted run"));
            var total = (request.Keep is not null || request.MaxAge is not null) ? 3 : 2;
            var compressed = request.Kind == BackupKind.KeyLevel || request.Compress;
            var format = request.Kind == BackupKind.KeyLevel ? BackupFormat.KeysJsonl : BackupFormat.Rdb;
            var pending = catalog.CreatePending(request.Kind, format, compressed, DateTimeOffset.UtcNow, request.Label);
            partialPath = pending.TempPath;
            try
            {
                progress?.Report(OperationProgress.Step(activity, $"Step 1/{total}: " + (request.Kind == BackupKind.KeyLevel ? "exporting keys" : "taking the snapshot") + $" into {pending.FinalName} (verified as it is written)"));
                BackupMetadata metadata;
                string sha256;
                long bytes;
                string? functionsNotCaptured = null;
                void Finishing() => progress?.Report(OperationProgress.Step(activity, $"Step 2/{total}: finishing the check of {pending.FinalName}"));
                if (request.Kind == BackupKind.KeyLevel)
                {
                    var options = new KeyExportOptions
                    {
                        Databases = request.Databases, Match = request.Match, Types = request.Types, Exact = request.Exact, Clock = request.Clock,
                        SpillPath = BackupNaming.SpillName(pending.TempPath, KeyExporter.SpillSuffix), IndexRunCapacity = request.IndexRunCapacity,
                    };
                    // The pass owns the key index's spill file: it lives until the file is final, and goes on every path.
                    KeyExportPass? pass = null;
                    using var index = new DisposeLater(() => pass?.Dispose());
                    var (_, check) = await WriteCheckedAsync(pending.Stream, KeyFileVerifier.VerifyAsync,
                        async sink => pass = await KeyExporter.ExportPassAsync(request.Endpoint!, options, sink, progress, cancellationToken).ConfigureAwait(false),
                        Finishing, cancellationToken).ConfigureAwait(false);
                    var summary = pass!.Summary;
                    CheckKeyCount(check.Result.Keys, summary.Keys, pending);
                    if (pass.Repeats is { } repeats)
                    {
                        // SCAN returned keys twice (the keyspace shrank while it ran): write the file once more without
                        // the later occurrences, into a second partial file checked as it is written, and keep that one.
                        progress?.Report(OperationProgress.Step(activity, $"SCAN returned {repeats.Count} keys more than once (the keyspace was resized during the scan): writing the backup again without the repeats"));
                        var rewritten = catalog.CreatePending(request.Kind, format, compressed, pending.CreatedAt, request.Label);
                        try
                        {
                            pending.Stream.Position = 0;
                            var first = summary;
                            (summary, check) = await WriteCheckedAsync(rewritten.Stream, KeyFileVerifier.VerifyAsync,
                                sink => KeyFileRewriter.WithoutRepeatsAsync(pending.Stream, repeats, first, sink, cancellationToken), static () => { }, cancellationToken).ConfigureAwait(false);
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
                        sink => DownloadSnapshotAsync(request, sink, compressed, progress, cancellationToken), Finishing, cancellationToken).ConfigureAwait(false);
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
                    progress?.Report(OperationProgress.Step(activity, $"Step 3/{total}: applying retention ({DescribeRetention(request)})"));
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
            if (error is not RedisBackupException { ErrorId: "CatalogNotADirectory" or "UnsafeCatalogPath" or "CatalogNotWritable" })
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
            return new RedisBackupException(ErrorKind.WriteFailed, "BackupDiskFull", $"The backup volume of {directory} is full.{partial}", directory, ex);
        return new RedisBackupException(ErrorKind.WriteFailed, "BackupWriteFailed", $"Writing the backup into {directory} failed: {ex.Message.TrimEnd('.')}.{partial}", directory, ex);
    }

    private sealed class DisposeLater(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }

    private static void CheckKeyCount(long checkedKeys, long writtenKeys, PendingBackup pending)
    {
        if (checkedKeys != writtenKeys)
            throw new RedisBackupException(ErrorKind.InvalidData, "BackupVerificationFailed", $"The new backup holds {checkedKeys} keys but {writtenKeys} were written.", pending.TempPath);
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
                throw new RedisBackupException(ErrorKind.InvalidData, "BackupVerificationFailed",
                    $"The new backup failed its check while it was being written, so it was not kept: {detail}", null, failure is RedisBackupException ? failure : ex);
            }
        }
    }

    /// <summary>Copies a snapshot (container or replication) into <paramref name="sink"/>, gzip-compressed when asked; returns the server version.</summary>
    private static async Task<string?> DownloadSnapshotAsync(BackupRequest request, Stream sink, bool compressed, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        var gzip = compressed ? GzipFactory.Fastest(sink) : null;
        await using (gzip)
        {
            var target = gzip ?? sink;
            if (request.Container is not null)
            {
                using var docker = DockerClient.FromEnvironment();
                var options = new ContainerSnapshotOptions { Credentials = request.ContainerCredentials, File = request.ContainerFile };
                return (await ContainerSnapshotSource.DownloadAsync(docker, request.Container, target, options, progress, ct).ConfigureAwait(false)).ServerVersion;
            }
            return (await ReplicationSnapshot.DownloadAsync(request.Endpoint!, target, progress, ct).ConfigureAwait(false)).ServerVersion;
        }
    }

    private static bool IsDiskFull(IOException ex) => ex.HResult == 28 /* ENOSPC */ || ex.HResult == unchecked((int)0x80070070) || ex.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    private static Dictionary<string, string> KeyOptions(BackupRequest request, KeyExportSummary summary)
    {
        var d = new Dictionary<string, string> { ["exact"] = request.Exact ? "true" : "false" };
        if (request.Match is not null) d["match"] = request.Match;
        if (request.Types is { Count: > 0 }) d["types"] = string.Join(',', request.Types);
        if (request.Databases is { Count: > 0 }) d["databases"] = string.Join(',', request.Databases);
        if (summary.Role is not null) d["role"] = summary.Role;
        if (summary.FunctionLibraries > 0) d["functionLibraries"] = summary.FunctionLibraries.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (summary.LogicalKeys > 0) d["logicalKeys"] = summary.LogicalKeys.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return d;
    }

    private static string DescribeRetention(BackupRequest request)
        => string.Join(", ", new[]
        {
            request.Keep is null ? null : $"keep the newest {request.Keep}",
            request.MaxAge is null ? null : $"remove backups older than {AgeText.Describe(request.MaxAge.Value)}",
        }.Where(s => s is not null));

    /// <summary>
    /// The request as it will run: validated, and a database named by the endpoint's URI (redis://h/5) made the only
    /// database exported. A URI database that contradicts an explicit database list, or a URI database for a snapshot
    /// (which always holds every database), is a usage error: the URI's database is never shown and then ignored.
    /// </summary>
    public static BackupRequest Resolve(BackupRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        if (request.Endpoint?.Database is not { } uriDb) return request;
        if (request.Kind == BackupKind.Snapshot)
            throw new RedisBackupException(ErrorKind.InvalidArgument, "DatabaseNeedsKeyLevel",
                $"The URI names database {uriDb}, but a snapshot always holds every database. Remove '/{uriDb}' from the URI, or take a key-level backup of database {uriDb}.", uriDb);
        if (request.Databases is { Count: > 0 } dbs && dbs.Distinct().Any(d => d != uriDb))
            throw new RedisBackupException(ErrorKind.InvalidArgument, "ConflictingDatabases",
                $"The URI names database {uriDb} but the database list asks for {string.Join(", ", dbs.Distinct().Order())}. Give the database in one place.", uriDb);
        return request with { Databases = [uriDb] };
    }

    private static void Validate(BackupRequest request)
    {
        if (request.Kind == BackupKind.KeyLevel)
        {
            if (request.Endpoint is null) throw new RedisBackupException(ErrorKind.InvalidArgument, "EndpointRequired", "A key-level backup needs a Redis endpoint (host/port or URI).");
            if (request.Container is not null) throw new RedisBackupException(ErrorKind.InvalidArgument, "ContainerNeedsSnapshot", "A container backup is an RDB snapshot: use the snapshot kind with a container.");
        }
        else if ((request.Endpoint is null) == (request.Container is null))
        {
            throw new RedisBackupException(ErrorKind.InvalidArgument, "SnapshotSourceRequired", "An RDB snapshot needs exactly one source: a container, or a Redis endpoint for the replication download.");
        }
        if (request.Keep is < 1) throw new RedisBackupException(ErrorKind.InvalidArgument, "InvalidKeep", "Keep must be at least 1: the backup just made is always kept.", request.Keep);
        if (request.MaxAge is { } age && age <= TimeSpan.Zero) throw new RedisBackupException(ErrorKind.InvalidArgument, "InvalidMaxAge", "MaxAge must be positive.", age);
        KeyTypeNames.Validate(request.Types);
    }
}
