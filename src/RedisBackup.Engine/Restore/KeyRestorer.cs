using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;

using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Restore;

/// <summary>Restores a key-level backup (our JSON Lines format, or a seed-service JSON file) into a live server.</summary>
public static class KeyRestorer
{
    /// <param name="source">The decompressed-or-not file stream; gzip is detected from the content. Left open.</param>
    public static async Task<RestoreResult> RestoreAsync(Stream source, RedisEndpoint target, RestoreOptions options, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        options = RestoreGuards.Resolve(options, target);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var reader = await KeyFileReader.OpenAsync(new NonClosingStream(source), cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var conn = await RedisConnection.ConnectBlockingAsync(target, cancellationToken).ConfigureAwait(false);
            await using (conn.ConfigureAwait(false))
            {
                var databases = await TargetDatabases.PrepareAsync(conn, options, cancellationToken).ConfigureAwait(false);
                var activity = $"Restoring keys into {RestoreGuards.Describe(target, options)}";
                // Logical keys go as RESTORE payloads when the user may run RESTORE (faster), else as typed writes.
                var refusal = await RestorePermission.CheckAsync(conn, cancellationToken).ConfigureAwait(false);
                if (refusal is not null && reader.Header?.Exact == true)
                    throw RestorePermission.Refused(target, "An exact key-level backup (DUMP payloads)", refusal);
                if (refusal is not null)
                    progress?.Report(OperationProgress.Step(activity, $"RESTORE is not permitted ({refusal}): writing keys with typed commands (SET, HSET, RPUSH, SADD, ZADD)"));
                var compact = refusal is null ? await CompactLimits.ReadAsync(conn, cancellationToken).ConfigureAwait(false) : null;
                using var pipeline = new KeyWritePipeline(conn, options, databases, activity, progress, cancellationToken, compact, logicalPayloads: refusal is null);
                RestoreResult Fill(RestoreResult r) => r with { Target = RestoreGuards.Describe(target, options), Method = "live", Database = options.TargetDatabase, Duration = started.Elapsed };
                try
                {
                    return Fill(await pipeline.WriteAllAsync(reader.ReadNextAsync, cancellationToken).ConfigureAwait(false));
                }
                catch (RestoreInterruptedException stopped)
                {
                    throw stopped.WithResult(Fill);
                }
            }
        }
    }
}
