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
            var serverVersion = info.GetValueOrDefault("valkey_version") ?? info.GetValueOrDefault("redis_version") ?? "unknown";
            var readable = RdbVersions.MaxReadableBy(info);
            if (readable is { } max && fileVersion > max)
                throw TooNew(fileVersion, serverVersion, max, target);

            if (await RestorePermission.CheckAsync(conn, cancellationToken).ConfigureAwait(false) is { } refusal)
                throw RestorePermission.Refused(target, "An RDB snapshot replayed into a live server", refusal);
            var databases = await TargetDatabases.PrepareAsync(conn, options, cancellationToken).ConfigureAwait(false);
            using var pipeline = new KeyWritePipeline(conn, options, databases, $"Replaying RDB keys into {RestoreGuards.Describe(target, options)}", progress, cancellationToken);
            var createdMs = reader.Summary.CreatedAt?.ToUnixTimeMilliseconds();
            var pendingFirst = first;
            // Reading the RDB and building each payload (a CRC64 over it) run ahead of the writer.
            async ValueTask<KeyRecord?> NextRecord(CancellationToken ct)
            {
                var entry = pendingFirst ?? await reader.ReadNextAsync(ct).ConfigureAwait(false);
                pendingFirst = null;
                if (entry is null) return null;
                var record = new KeyRecord
                {
                    Database = entry.Database,
                    Key = entry.Key,
                    Dump = DumpPayload.Create(entry.Type, entry.Value, checked((ushort)fileVersion)),
                    ExpireAtMs = entry.ExpireAtMs,
                    TtlMs = entry.ExpireAtMs is { } at && createdMs is { } c ? at - c : null,
                    IdleSeconds = entry.IdleSeconds,
                    Frequency = entry.Frequency,
                };
                record.Type = KeyFileFormat.TypeOfPayload(record.Dump);
                return record;
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
            return Fill(result);
        }
    }

    private static RedisBackupException TooNew(int fileVersion, string serverVersion, int? readable, RedisEndpoint target)
        => new(ErrorKind.NotSupported, "RdbVersionTooNew",
            $"The snapshot is RDB version {fileVersion} (written by {RdbVersions.ReleaseOf(fileVersion)}), but the target {target} runs {serverVersion}, " +
            (readable is { } r ? $"which reads RDB versions up to {r}" : "which refuses payloads of that version") +
            ". Restore it into a server at least as new as the one that wrote it, or take a key-level backup of the source instead.", target.ToString());
}
