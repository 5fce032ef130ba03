using System.Threading.Channels;
using RedisBackup.Engine.Formats;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Reads a record source ahead of the writer on a task of its own, so that reading the backup (decompression, JSON or
/// RDB parsing, building RESTORE payloads with <see cref="KeyWritePipeline.Prepare"/>) and sending commands run on two
/// cores at once. Records travel in batches bounded by count and by value bytes, and at most
/// <see cref="BatchesAhead"/> batches wait, so memory stays bounded whatever the key sizes.
/// </summary>
internal sealed class RecordPrefetcher : IAsyncDisposable
{
    public const int BatchesAhead = 4;
    private const int BatchRecords = 256;
    private const long BatchBytes = 1 << 20;

    /// <summary>What an item costs in memory beyond its bytes (array header and reference): a window of small fields weighs what it holds.</summary>
    private const int ItemOverhead = 32;

    private readonly Channel<List<KeyRecord>> _batches = Channel.CreateBounded<List<KeyRecord>>(new BoundedChannelOptions(BatchesAhead) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _cts;
    private readonly Task _producer;
    private List<KeyRecord>? _current;
    private int _next;

    /// <param name="prepare">Work done on each record on the reading side (the pipeline's Prepare).</param>
    public RecordPrefetcher(Func<CancellationToken, ValueTask<KeyRecord?>> source, Action<KeyRecord> prepare, CancellationToken ct)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _producer = Task.Run(() => ProduceAsync(source, prepare, _cts.Token), CancellationToken.None);
    }

    /// <summary>The next record in source order; null at the end. Throws the source's own error where it failed.</summary>
    public async ValueTask<KeyRecord?> ReadNextAsync(CancellationToken ct)
    {
        while (_current is null || _next == _current.Count)
        {
            if (!await _batches.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                await _batches.Reader.Completion.ConfigureAwait(false); // the source's error, if it failed
                return null;
            }
            if (_batches.Reader.TryRead(out var batch)) (_current, _next) = (batch, 0);
        }
        return _current[_next++];
    }

    private async Task ProduceAsync(Func<CancellationToken, ValueTask<KeyRecord?>> source, Action<KeyRecord> prepare, CancellationToken ct)
    {
        try
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
                    await _batches.Writer.WriteAsync(batch, ct).ConfigureAwait(false);
                    batch = new List<KeyRecord>(BatchRecords);
                    bytes = 0;
                }
            }
            if (batch.Count > 0) await _batches.Writer.WriteAsync(batch, ct).ConfigureAwait(false);
            _batches.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _batches.Writer.TryComplete(ex);
        }
    }

    /// <summary>Stops reading ahead (after a failure on the writing side) and waits for the reading task to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        await _producer.ConfigureAwait(false); // never throws: failures are handed to the reader
        _cts.Dispose();
    }
}
