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
        options = RestoreGuards.Resolve(options, target);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var reader = new RdbReader(rdb);
        var first = await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false); // reads the header too
        var fileVersion = reader.Version;

        var conn = await RedisConnection.ConnectBlockingAsync(target, cancellationToken).ConfigureAwait(false);
        await using (conn.ConfigureAwait(false))
        {
            var info = await conn.TryInfoAsync("server", cancellationToken).ConfigureAwait(false);
            var serverVersion = RedisConnection.ServerVersionOf(info) ?? "unknown";
            var readable = RdbVersions.MaxReadableBy(info);
            if (readable is { } max && fileVersion > max)
                throw TooNew(fileVersion, serverVersion, max, target);

            if (await RestorePermission.CheckAsync(conn, cancellationToken).ConfigureAwait(false) is { } refusal)
                throw RestorePermission.Refused(target, "An RDB snapshot replayed into a live server", refusal);
            var databases = await TargetDatabases.PrepareAsync(conn, options, cancellationToken).ConfigureAwait(false);
            using var pipeline = new KeyWritePipeline(conn, options, databases, $"Replaying RDB keys into {RestoreGuards.Describe(target, options)}", progress, cancellationToken);
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

            RestoreResult Fill(RestoreResult r) => r with { Target = RestoreGuards.Describe(target, options), Method = "live", Database = options.TargetDatabase, Duration = started.Elapsed };
            RestoreResult result;
            try
            {
                result = await pipeline.WriteAllAsync(NextRecord, cancellationToken).ConfigureAwait(false);
            }
            catch (RestoreInterruptedException stopped)
            {
                throw stopped.WithResult(Fill);
            }
            // A server we could not place refuses every payload of a newer version: say so plainly.
            if (result.Restored == 0 && result.Failed > 0 && result.Failures.All(f => f.Reason.Contains("payload version", StringComparison.OrdinalIgnoreCase)))
                throw TooNew(fileVersion, serverVersion, readable, target);
            result = Fill(result);
            var summary = reader.Summary;
            if (summary.Unchecked is { } part)
                throw Stopped(result, summary, part.Offset, $"{part.Reason}. The file's CRC64 over the whole file is correct: it is intact, written by a server newer than this " +
                    "version of RedisBackup. Restore it into a container of that server's version (the server loads its own file), or use a newer RedisBackup", result.Target);
            if (inlineCommand is not null)
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

    private static RedisBackupException TooNew(int fileVersion, string serverVersion, int? readable, RedisEndpoint target)
        => new(ErrorKind.NotSupported, "RdbVersionTooNew",
            $"The snapshot is RDB version {fileVersion} (written by {RdbVersions.ReleaseOf(fileVersion)}), but the target {target} runs {serverVersion}, " +
            (readable is { } r ? $"which reads RDB versions up to {r}" : "which refuses payloads of that version") +
            ". Restore it into a server at least as new as the one that wrote it, or take a key-level backup of the source instead.", target.ToString());
}
