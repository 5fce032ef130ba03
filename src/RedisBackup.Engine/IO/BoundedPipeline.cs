using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace RedisBackup.Engine.IO;

/// <summary>Where the producer of a <see cref="BoundedPipeline"/> runs.</summary>
internal enum ProducerThread
{
    /// <summary>A thread-pool task: a producer that awaits.</summary>
    Pool,

    /// <summary>A thread of its own: a producer that blocks (synchronous socket reads), so it holds no pool thread.</summary>
    Dedicated,
}

/// <summary>What the consumer of a <see cref="BoundedPipeline"/> sees when the producer fails.</summary>
internal enum ProducerFailure
{
    /// <summary>The consumer is cancelled at once: nothing it would still do is worth doing.</summary>
    CancelConsumer,

    /// <summary>
    /// The consumer first takes every item produced before the failure and then reads the failure from the channel
    /// (a restore writes every record before a damaged one, so it can say exactly how far it got).
    /// </summary>
    InOrder,
}

/// <summary>
/// The engine's one producer/consumer primitive: a producer fills a bounded channel on one task while a consumer
/// drains it on another, so the two overlap on two cores with bounded memory. It owns what each hand-written copy
/// used to get right or wrong on its own:
/// <list type="bullet">
/// <item>both sides run on one cancellation linked to the caller's;</item>
/// <item>when one side fails, the other is stopped (the consumer per <see cref="ProducerFailure"/>; the producer by
/// cancellation, so a producer waiting on a full channel never waits for ever);</item>
/// <item>the channel is completed in every path (with the producer's error when it failed), so a consumer never waits
/// for ever either;</item>
/// <item>a consumer that returns before the channel ends stops the producer, whose cancellation is then no failure;</item>
/// <item>both sides have ended when <see cref="RunAsync{T,TResult}(Channel{T},Func{ChannelWriter{T},CancellationToken,Task},Func{ChannelReader{T},CancellationToken,Task{TResult}},CancellationToken,ProducerThread,ProducerFailure)"/>
/// returns or throws, and it throws the FIRST failure: not the <see cref="OperationCanceledException"/> the other side
/// threw because of it. With no failure but the caller's cancellation, it throws that cancellation.</item>
/// </list>
/// </summary>
internal static class BoundedPipeline
{
    /// <summary>A bounded channel for one producer and one consumer.</summary>
    public static Channel<T> CreateChannel<T>(int capacity)
        => Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });

    /// <summary>Runs <paramref name="producer"/> and <paramref name="consumer"/> over a new bounded channel of <paramref name="capacity"/> items.</summary>
    public static Task<TResult> RunAsync<T, TResult>(int capacity,
        Func<ChannelWriter<T>, CancellationToken, Task> producer,
        Func<ChannelReader<T>, CancellationToken, Task<TResult>> consumer,
        CancellationToken ct, ProducerThread thread = ProducerThread.Pool, ProducerFailure onProducerFailure = ProducerFailure.CancelConsumer)
        => RunAsync(CreateChannel<T>(capacity), producer, consumer, ct, thread, onProducerFailure);

    /// <summary>
    /// Runs <paramref name="producer"/> and <paramref name="consumer"/> over <paramref name="channel"/> (made by
    /// <see cref="CreateChannel{T}"/>; given when a part of the producer must hold its writer before the run starts).
    /// The producer must not complete the channel itself: it is completed when the producer returns or throws.
    /// </summary>
    public static async Task<TResult> RunAsync<T, TResult>(Channel<T> channel,
        Func<ChannelWriter<T>, CancellationToken, Task> producer,
        Func<ChannelReader<T>, CancellationToken, Task<TResult>> consumer,
        CancellationToken ct, ProducerThread thread = ProducerThread.Pool, ProducerFailure onProducerFailure = ProducerFailure.CancelConsumer)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(producer);
        ArgumentNullException.ThrowIfNull(consumer);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = new Run(linked);
        // The consumer's token: with in-order delivery a producer failure reaches it through the channel, not as a cancellation.
        using var consumerStop = onProducerFailure == ProducerFailure.InOrder ? CancellationTokenSource.CreateLinkedTokenSource(ct) : null;
        var consumerToken = consumerStop?.Token ?? linked.Token;

        async Task Produce()
        {
            try
            {
                await producer(channel.Writer, linked.Token).ConfigureAwait(false);
                channel.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                run.Failed(ex);
                channel.Writer.TryComplete(ex);
                await linked.CancelAsync().ConfigureAwait(false);
            }
        }

        async Task<TResult> Consume()
        {
            try
            {
                return await consumer(channel.Reader, consumerToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                run.Failed(ex);
                throw;
            }
            finally
            {
                // Returned or failed: a producer still writing would wait for a reader that never comes.
                run.ConsumerEnded = true;
                await linked.CancelAsync().ConfigureAwait(false);
                if (consumerStop is not null) await consumerStop.CancelAsync().ConfigureAwait(false);
            }
        }

        var producing = thread == ProducerThread.Dedicated
            ? Task.Factory.StartNew(Produce, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()
            : Task.Run(Produce, CancellationToken.None);
        var consuming = Task.Run(Consume, CancellationToken.None);
        try
        {
            await producing.ConfigureAwait(false); // never throws: its failure is kept in the run
        }
        finally
        {
            // Whatever happens, the consumer ends: the channel is complete (normally or with the producer's error).
            channel.Writer.TryComplete();
        }
        TResult result = default!;
        try
        {
            result = await consuming.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Kept in the run when it is a failure of its own; decided below.
        }
        if (run.First is { } first) ExceptionDispatchInfo.Throw(first);
        ct.ThrowIfCancellationRequested();
        if (consuming.IsCanceled || consuming.IsFaulted) await consuming.ConfigureAwait(false); // unreachable in practice: rethrow as it is
        return result;
    }

    /// <summary>The shared state of one run: which failure came first.</summary>
    private sealed class Run(CancellationTokenSource linked)
    {
        private Exception? _first;

        public volatile bool ConsumerEnded;

        public Exception? First => Volatile.Read(ref _first);

        /// <summary>
        /// A side threw. A cancellation after the run was already stopping (the other side failed, the consumer ended,
        /// the caller cancelled) is a consequence, not a failure; anything else is, and the first of them is kept.
        /// </summary>
        public void Failed(Exception ex)
        {
            if (ex is OperationCanceledException && (linked.IsCancellationRequested || ConsumerEnded)) return;
            Interlocked.CompareExchange(ref _first, ex, null);
        }
    }
}
