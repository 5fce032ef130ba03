using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Replays an RDB file into a live server as pipelined RESTORE commands (no restart): each key's raw value bytes become
/// a DUMP payload (type + value + the file's RDB version + CRC64). Expiry goes as ABSTTL (or, in relative mode, as the
/// time that was left when the file was written), idle time and LFU frequency as IDLETIME / FREQ. Existing keys,
/// database mapping and the result work as for the key-level restore.
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
        var reader = new RdbReader(rdb);
        var first = await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false); // reads the header too
        var fileVersion = reader.Version;

        var conn = await RedisConnection.ConnectBlockingAsync(target, cancellationToken).ConfigureAwait(false);
        await using (conn.ConfigureAwait(false))
        {
            var info = await conn.InfoAsync("server", cancellationToken).ConfigureAwait(false);
            var serverVersion = RedisConnection.ServerVersionOf(info) ?? "unknown";
            var readable = RdbVersions.MaxReadableBy(info);
            if (readable is { } max && fileVersion > max)
                throw TooNew(fileVersion, serverVersion, max, target);

            var pipeline = new KeyWritePipeline(conn, options, $"Replaying RDB keys into {target}", progress, cancellationToken);
            var createdMs = reader.Summary.CreatedAt?.ToUnixTimeMilliseconds();
            var pendingFirst = first;
            RdbEntry? inlineCommand = null;
            // Reading the RDB and building each payload (a CRC64 over it) run ahead of the writer.
            async ValueTask<KeyRecord?> NextRecord(CancellationToken ct)
            {
                var entry = pendingFirst ?? await reader.ReadNextAsync(ct).ConfigureAwait(false);
                pendingFirst = null;
                if (entry is null) return null;
                if (entry.Kind == RdbEntryKind.Command)
                {
                    inlineCommand = entry;
                    return null;
                }
                var (type, value) = entry.HashTemplate is null ? (entry.Type, entry.Value!) : (TemplateHashPayload.SelfContainedArray, TemplateHashPayload.Inline(entry));
                return new KeyRecord
                {
                    Database = entry.Database,
                    Key = entry.Key,
                    Dump = DumpPayload.Create(entry.KeyMetadata, type, value, checked((ushort)fileVersion)),
                    ExpireAtMs = entry.ExpireAtMs,
                    TtlMs = entry.ExpireAtMs is { } at && createdMs is { } c ? at - c : null,
                    IdleSeconds = entry.IdleSeconds,
                    Frequency = entry.Frequency,
                    Type = RdbFormatCatalog.LogicalType(entry.Family, entry.Type),
                };
            }

            var result = await pipeline.WriteAllAsync(NextRecord, cancellationToken).ConfigureAwait(false);
            // A server we could not place refuses every payload of a newer version: say so plainly.
            if (result.Restored == 0 && result.Failed > 0 && result.Failures.All(f => f.Reason.Contains("payload version", StringComparison.OrdinalIgnoreCase)))
                throw TooNew(fileVersion, serverVersion, readable, target);
            result = result with { Target = target.ToString(), Method = "live", Duration = started.Elapsed };
            var summary = reader.Summary;
            if (summary.Unchecked is { } part)
                throw Stopped(result, summary, part.Offset, $"{part.Reason}. The file's CRC64 over the whole file is correct: it is intact, written by a server newer than this " +
                    "version of RedisBackup. Restore it into a container of that server's version (the server loads its own file), or use a newer RedisBackup", target);
            if (inlineCommand is not null)
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

    private static RedisBackupException TooNew(int fileVersion, string serverVersion, int? readable, RedisEndpoint target)
        => new(ErrorKind.NotSupported, "RdbVersionTooNew",
            $"The snapshot is RDB version {fileVersion} (written by {RdbVersions.ReleaseOf(fileVersion)}), but the target {target} runs {serverVersion}, " +
            (readable is { } r ? $"which reads RDB versions up to {r}" : "which refuses payloads of that version") +
            ". Restore it into a server at least as new as the one that wrote it, or take a key-level backup of the source instead.", target.ToString());
}
