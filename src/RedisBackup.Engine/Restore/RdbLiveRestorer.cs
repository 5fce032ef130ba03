using RedisBackup.Engine.Decode;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Replays an RDB file into a live server without a restart, deciding per key (<see cref="RdbKeySource"/>): a RESTORE
/// payload (type + the value's exact bytes + the file's RDB version + CRC64) when the target accepts the file's RDB
/// version and family (decided from its INFO, <see cref="RdbVersions.Accepts"/>) and the value is within the capture
/// limit; otherwise the value is decoded and replayed with logical commands (<see cref="RestoreResult.Replayed"/>),
/// a window at a time. Expiry goes as ABSTTL (or, in relative mode, as the time that was left when the file was written),
/// idle time and LFU frequency as IDLETIME / FREQ with a payload. Existing keys, database mapping, the database, pattern
/// and type filters and the result work as for the key-level restore.
/// </summary>
internal static class RdbLiveRestorer
{
    /// <param name="rdb">A plain RDB stream (callers unwrap gzip).</param>
    public static async Task<RestoreResult> RestoreAsync(Stream rdb, RedisEndpoint target, RestoreOptions options, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rdb);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        options = RestoreGuards.Resolve(options, target);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var reader = RdbReader.WithLazyValues(rdb);

        var conn = await RedisConnection.ConnectBlockingAsync(target, cancellationToken).ConfigureAwait(false);
        await using (conn.ConfigureAwait(false))
        {
            var info = await conn.TryInfoAsync("server", cancellationToken).ConfigureAwait(false);
            if (await RestorePermission.CheckAsync(conn, cancellationToken).ConfigureAwait(false) is { } refusal)
                throw RestorePermission.Refused(target, "An RDB snapshot replayed into a live server", refusal);
            var databases = await TargetDatabases.PrepareAsync(conn, options, cancellationToken).ConfigureAwait(false);
            var activity = $"Replaying RDB keys into {RestoreGuards.Describe(target, options)}";
            var fieldTtls = await HashFieldExpiration.IsSupportedAsync(conn, info, cancellationToken).ConfigureAwait(false);
            var compact = await CompactLimits.ReadAsync(conn, cancellationToken).ConfigureAwait(false);
            var source = new RdbKeySource(reader, new RdbKeySourceOptions
            {
                Accepts = RdbVersions.AcceptanceOf(info),
                Filter = new KeyFilter(options.Databases, options.Match, options.Types),
                AlwaysReplay = options.AlwaysReplay,
                Target = RdbVersions.Describe(info),
            });
            // The file's function libraries come before its first key (read with it): restored first, following the key
            // policy (a filtered restore leaves them out: they are not keys).
            var first = await source.NextAsync(cancellationToken).ConfigureAwait(false);
            // A target whose release is unknown (INFO not permitted) is asked whether it reads the file's RDB version
            // before anything is sent; when it plainly does not, say so before writing anything.
            if (!RdbVersions.Knows(info) && first is not null
                && await PayloadVersionProbe.AcceptsAsync(conn, reader.Version, cancellationToken).ConfigureAwait(false) == false)
                throw TooNew(reader.Version, target);
            var functions = reader.FunctionLibraries is { Count: > 0 } code
                ? await FunctionRestorer.RestoreUnlessFilteredAsync(conn, FunctionLibraries.FromCode(code, reader.Version), options, info, progress, activity, cancellationToken).ConfigureAwait(false)
                : null;
            using var pipeline = new KeyWritePipeline(conn, options, databases, activity, progress, cancellationToken, compact, fieldTtls: fieldTtls)
            {
                Streams = StreamReplay.For(info),
            };
            RestoreResult Fill(RestoreResult r) => r with
            {
                Target = RestoreGuards.Describe(target, options), Method = "live", Database = options.TargetDatabase, Duration = started.Elapsed, NotSelected = source.NotSelected,
                Functions = functions,
            };
            var firstTaken = false;
            async ValueTask<KeyRecord?> NextRecord(CancellationToken ct)
            {
                if (!firstTaken)
                {
                    firstTaken = true;
                    return first;
                }
                return first is null ? null : await source.NextAsync(ct).ConfigureAwait(false);
            }
            // Reading the RDB, decoding values and building payloads run ahead of the writer.
            RestoreResult result;
            try
            {
                result = await pipeline.WriteAllAsync(NextRecord, cancellationToken).ConfigureAwait(false);
            }
            catch (RestoreInterruptedException stopped)
            {
                throw stopped.WithResult(Fill);
            }
            result = Fill(result);
            var summary = reader.Summary;
            if (summary.Unchecked is { } part)
                throw Stopped(result, summary, part.Offset, $"{part.Reason}. The file's CRC64 over the whole file is correct: it is intact, written by a server newer than this " +
                    "version of RedisBackup. Restore it into a container of that server's version (the server loads its own file), or use a newer RedisBackup", result.Target);
            if (source.StoppedAtCommand is { } inlineCommand)
                throw Stopped(result, summary, inlineCommand.Offset, $"byte {inlineCommand.Offset} holds a replication command that Valkey wrote inline during a forkless save " +
                    "(an UPDATE record); this version of RedisBackup does not replay such commands, and the keys after it may depend on it", result.Target);
            return result;
        }
    }

    /// <summary>
    /// The error that ends a live restore at a part of the file it cannot restore, after everything before it was written:
    /// a stop part-way like any other (<see cref="RestoreInterruptedException"/>), its result marked incomplete.
    /// </summary>
    private static RdbRestoreStoppedException Stopped(RestoreResult result, RdbSummary summary, long offset, string reason, string target)
    {
        var last = result.LastWritten is { } k ? $" Last key written: '{k.Key}' in database {k.Database}." : "";
        return new($"Restored {result.Restored} of the {result.Total} keys read from the snapshot up to byte {offset} into {target} (skipped {result.Skipped}, expired {result.Expired}, " +
               $"failed {result.Failed}), then stopped: {reason}. Nothing after byte {offset} was restored ({summary.Bytes - offset} bytes of the {summary.Bytes}).{last}",
               result with { Complete = false }, offset, target);
    }

    private static RedisBackupException TooNew(int fileVersion, RedisEndpoint target)
        => new(ErrorKind.NotSupported, ErrorIds.RdbVersionTooNew,
            $"The snapshot is RDB version {fileVersion} (written by {RdbVersions.ReleaseOf(fileVersion)}), and the target {target} refused every payload of that version. " +
            "Its release could not be read (INFO is not permitted), so the keys were not replayed logically instead: grant the user +info, " +
            "or restore into a server at least as new as the one that wrote the snapshot.", target.ToString());
}
