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
                var compact = await CompactLimits.ReadAsync(conn, cancellationToken).ConfigureAwait(false);
                using var pipeline = new KeyWritePipeline(conn, options, databases, $"Restoring keys into {RestoreGuards.Describe(target, options)}", progress, cancellationToken, compact);
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
