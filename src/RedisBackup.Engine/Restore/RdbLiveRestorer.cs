using RedisBackup.Engine.Decode;
using RedisBackup.Engine.Operations;
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
public static class RdbLiveRestorer
{
    /// <param name="rdb">A plain RDB stream (callers unwrap gzip).</param>
    public static async Task<RestoreResult> RestoreAsync(Stream rdb, RedisEndpoint target, RestoreOptions options, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rdb);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        RestoreGuards.CheckOptions(options);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var reader = RdbReader.WithLazyValues(rdb);

        var conn = await RedisConnection.ConnectBlockingAsync(target, cancellationToken).ConfigureAwait(false);
        await using (conn.ConfigureAwait(false))
        {
            var info = await conn.InfoAsync("server", cancellationToken).ConfigureAwait(false);
            var fieldTtls = await HashFieldExpiration.IsSupportedAsync(conn, info, cancellationToken).ConfigureAwait(false);
            var compact = await CompactLimits.ReadAsync(conn, cancellationToken).ConfigureAwait(false);
            var source = new RdbKeySource(reader, new RdbKeySourceOptions
            {
                Accepts = RdbVersions.AcceptanceOf(info),
                Filter = new KeyFilter(options.Databases, options.Match, options.Types),
                AlwaysReplay = options.AlwaysReplay,
                Target = RdbVersions.Describe(info),
            });
            var pipeline = new KeyWritePipeline(conn, options, $"Replaying RDB keys into {target}", progress, cancellationToken, compact, fieldTtls)
            {
                Streams = StreamReplay.For(info),
            };
            // Reading the RDB, decoding values and building payloads run ahead of the writer.
            var result = await pipeline.WriteAllAsync(source.NextAsync, cancellationToken).ConfigureAwait(false);
            result = result with { Target = target.ToString(), Method = "live", Duration = started.Elapsed, NotSelected = source.NotSelected };
            var summary = reader.Summary;
            if (summary.Unchecked is { } part)
                throw Stopped(result, summary, part.Offset, $"{part.Reason}. The file's CRC64 over the whole file is correct: it is intact, written by a server newer than this " +
                    "version of RedisBackup. Restore it into a container of that server's version (the server loads its own file), or use a newer RedisBackup", target);
            if (source.StoppedAtCommand is { } inlineCommand)
                throw Stopped(result, summary, inlineCommand.Offset, $"byte {inlineCommand.Offset} holds a replication command that Valkey wrote inline during a forkless save " +
                    "(an UPDATE record); this version of RedisBackup does not replay such commands, and the keys after it may depend on it", target);
            return result;
        }
    }

    /// <summary>The error that ends a live restore at a part of the file it cannot restore, after everything before it was written.</summary>
    private static RdbRestoreStoppedException Stopped(RestoreResult result, RdbSummary summary, long offset, string reason, RedisEndpoint target)
        => new($"Restored {result.Restored} of the {result.Total} keys read from the snapshot up to byte {offset} (skipped {result.Skipped}, expired {result.Expired}, " +
               $"failed {result.Failed}), then stopped: {reason}. Nothing after byte {offset} was restored ({summary.Bytes - offset} bytes of the {summary.Bytes}).",
               result, offset, target.ToString());
}
