using System.Threading.Channels;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Reads a record source ahead of the writer, as the producer of a <see cref="BoundedPipeline"/>, so that reading the
/// backup (decompression, JSON or RDB parsing, building RESTORE payloads with <see cref="KeyWritePipeline"/>'s Prepare)
/// and sending commands run on two cores at once. Records travel in batches bounded by count and by value bytes, and
/// at most <see cref="BatchesAhead"/> batches wait, so memory stays bounded whatever the key sizes. A source that fails
/// reaches the writer in order (<see cref="ProducerFailure.InOrder"/>): every record before the failure is written first.
/// </summary>
internal static class RecordPrefetcher
{
    public const int BatchesAhead = 4;
    private const int BatchRecords = 256;
    private const long BatchBytes = 1 << 20;

    /// <summary>What an item costs in memory beyond its bytes (array header and reference): a window of small fields weighs what it holds.</summary>
    private const int ItemOverhead = 32;

    /// <summary>
    /// Runs <paramref name="source"/> (each record passed through <paramref name="prepare"/> on the reading side) ahead of
    /// <paramref name="write"/>, which gets every record in source order; returns when both have ended. Throws the first
    /// failure: the source's own error where it failed, or the writer's.
    /// </summary>
    public static Task RunAsync(Func<CancellationToken, ValueTask<KeyRecord?>> source, Action<KeyRecord> prepare,
        Func<KeyRecord, CancellationToken, ValueTask> write, CancellationToken ct)
        => BoundedPipeline.RunAsync<List<KeyRecord>, bool>(BatchesAhead,
            (batches, token) => ProduceAsync(source, prepare, batches, token),
            async (batches, token) =>
            {
                while (await batches.WaitToReadAsync(token).ConfigureAwait(false))
                {
                    while (batches.TryRead(out var batch))
                        foreach (var record in batch) await write(record, token).ConfigureAwait(false);
                }
                await batches.Completion.ConfigureAwait(false); // the source's error, if it failed
                return true;
            }, ct, ProducerThread.Pool, ProducerFailure.InOrder);

    private static async Task ProduceAsync(Func<CancellationToken, ValueTask<KeyRecord?>> source, Action<KeyRecord> prepare, ChannelWriter<List<KeyRecord>> batches, CancellationToken ct)
    {
        var batch = new List<KeyRecord>(BatchRecords);
        long bytes = 0;
        while (await source(ct).ConfigureAwait(false) is { } record)
        {
            prepare(record);
            batch.Add(record);
            bytes += record.Key.Length + (record.Dump?.Length ?? 0) + (record.Stream?.Bytes ?? 0);
            foreach (var item in record.Items) bytes += item.Length + ItemOverhead;
            if (batch.Count >= BatchRecords || bytes >= BatchBytes)
            {
                await batches.WriteAsync(batch, ct).ConfigureAwait(false);
                batch = new List<KeyRecord>(BatchRecords);
                bytes = 0;
            }
        }
        if (batch.Count > 0) await batches.WriteAsync(batch, ct).ConfigureAwait(false);
    }
}
