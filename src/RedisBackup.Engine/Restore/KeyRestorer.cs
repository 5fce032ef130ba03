using RedisBackup.Engine.Decode;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Redis;

using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Restore;

/// <summary>Restores a key-level backup (our JSON Lines format, or a seed-service JSON file) into a live server.</summary>
internal static class KeyRestorer
{
    /// <param name="source">The decompressed-or-not file stream; gzip is detected from the content. Left open.</param>
    public static async Task<RestoreResult> RestoreAsync(Stream source, RedisEndpoint target, RestoreOptions options, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        options = RestoreGuards.Resolve(options, target);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var start = source.CanSeek ? source.Position : 0;
        var reader = await KeyFileReader.OpenAsync(new NonClosingStream(source), cancellationToken).ConfigureAwait(false);
        try
        {
            var conn = await RedisConnection.ConnectBlockingAsync(target, cancellationToken).ConfigureAwait(false);
            await using (conn.ConfigureAwait(false))
            {
                var databases = await TargetDatabases.PrepareAsync(conn, options, cancellationToken).ConfigureAwait(false);
                var activity = $"Restoring keys into {RestoreGuards.Describe(target, options)}";
                var info = await conn.TryInfoAsync("server", cancellationToken).ConfigureAwait(false);
                var fieldTtls = await HashFieldExpiration.IsSupportedAsync(conn, info, cancellationToken).ConfigureAwait(false);
                if (options.RequireFieldTtl && !fieldTtls && reader.Header?.Requires.Contains(KeyFileFormat.FieldTtlRequirement) == true)
                {
                    // Refused before anything is written when the file holds field TTLs (known from its trailer).
                    var held = await CountFieldTtlsAsync(source, start, cancellationToken).ConfigureAwait(false);
                    if (held != 0) throw FieldTtlsNotSupported(held, info, target);
                    await reader.DisposeAsync().ConfigureAwait(false);
                    source.Position = start;
                    reader = await KeyFileReader.OpenAsync(new NonClosingStream(source), cancellationToken).ConfigureAwait(false);
                }
                // Logical keys go as RESTORE payloads when the user may run RESTORE (faster), else as typed writes.
                var refusal = await RestorePermission.CheckAsync(conn, cancellationToken).ConfigureAwait(false);
                if (refusal is not null && reader.Header?.Exact == true)
                    throw RestorePermission.Refused(target, "An exact key-level backup (DUMP payloads)", refusal);
                if (refusal is not null)
                    progress?.Report(OperationProgress.Step(activity, $"RESTORE is not permitted ({refusal}): writing keys with typed commands (SET, HSET, RPUSH, SADD, ZADD, and XADD and XGROUP for streams)"));
                var compact = refusal is null ? await CompactLimits.ReadAsync(conn, cancellationToken).ConfigureAwait(false) : null;
                // The function libraries go first, following the key policy (a filtered restore leaves them out: they are not keys).
                var functions = reader.Functions is { } libraries
                    ? await FunctionRestorer.RestoreUnlessFilteredAsync(conn, libraries, options, info, progress, activity, cancellationToken).ConfigureAwait(false)
                    : null;
                using var pipeline = new KeyWritePipeline(conn, options, databases, activity, progress, cancellationToken, compact, logicalPayloads: refusal is null, fieldTtls: fieldTtls)
                {
                    Streams = StreamReplay.For(info),
                };
                // DUMP records the target cannot take (a newer RDB version, the other family, no RESTORE allowed) are decoded and replayed.
                var records = new KeyRecordReplay(reader.ReadNextAsync, new KeyRecordReplayOptions
                {
                    Accepts = refusal is null ? RdbVersions.AcceptanceOf(info) : static (_, _) => false,
                    Filter = new KeyFilter(options.Databases, options.Match, options.Types),
                    AlwaysReplay = options.AlwaysReplay,
                    CreatedMs = reader.CreatedAt?.ToUnixTimeMilliseconds(),
                    Target = refusal is null ? RdbVersions.Describe(info) : "a target that may not run RESTORE",
                });
                RestoreResult Fill(RestoreResult r) => r with
                {
                    Target = RestoreGuards.Describe(target, options), Method = "live", Database = options.TargetDatabase, Duration = started.Elapsed, NotSelected = records.NotSelected,
                    Functions = functions,
                };
                try
                {
                    return Fill(await pipeline.WriteAllAsync(records.NextAsync, cancellationToken).ConfigureAwait(false));
                }
                catch (RestoreInterruptedException stopped)
                {
                    throw stopped.WithResult(Fill);
                }
            }
        }
        finally
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The field TTLs a file holds, read through once (a file that cannot be read again from its start: -1, "may hold
    /// some"). Leaves the stream at an unspecified position.
    /// </summary>
    private static async Task<long> CountFieldTtlsAsync(Stream source, long start, CancellationToken ct)
    {
        if (!source.CanSeek) return -1;
        source.Position = start;
        var summary = await KeyFileVerifier.VerifyAsync(source, ct).ConfigureAwait(false);
        return summary.FieldTtls;
    }

    private static RedisBackupException FieldTtlsNotSupported(long held, IReadOnlyDictionary<string, string> info, RedisEndpoint target)
    {
        var release = info.TryGetValue("valkey_version", out var valkey) ? "Valkey " + valkey : "Redis " + info.GetValueOrDefault("redis_version", "(unknown version)");
        var what = held > 0 ? $"holds {held} hash field TTLs" : "may hold hash field TTLs";
        return new RedisBackupException(ErrorKind.NotSupported, ErrorIds.FieldTtlNotSupported,
            $"The backup {what}, but the target {target} runs {release}, which has no hash field expiration (Redis 7.4+ or Valkey 9 needed), " +
            "and keeping them was required (--require-field-ttl / -RequireFieldTtl). Nothing was restored. Restore into a server with hash field expiration, " +
            "or without that option to restore the fields without their TTLs (counted and named in the result).", target.ToString());
    }
}
