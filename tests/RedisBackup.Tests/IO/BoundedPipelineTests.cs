using System.Threading.Channels;
using RedisBackup.Engine.IO;

namespace RedisBackup.Tests.IO;

/// <summary>The engine's one producer/consumer primitive on its own: who failed first, stops, and no side left waiting.</summary>
public class BoundedPipelineTests
{
    private const int Timeout = 20_000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    /// <summary>Writes 0, 1, 2, … until cancelled (or <paramref name="count"/> items): it fills the channel and then waits on it.</summary>
    private static async Task Numbers(ChannelWriter<int> writer, CancellationToken ct, int count = int.MaxValue)
    {
        for (var i = 0; i < count; i++) await writer.WriteAsync(i, ct);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_item_arrives_in_order_and_the_result_is_the_consumers(bool dedicated)
    {
        var thread = dedicated ? ProducerThread.Dedicated : ProducerThread.Pool;
        var sum = await BoundedPipeline.RunAsync<int, long>(4, (w, ct) => Numbers(w, ct, 10_000), async (r, ct) =>
        {
            long total = 0;
            var expected = 0;
            await foreach (var i in r.ReadAllAsync(ct))
            {
                Assert.Equal(expected++, i);
                total += i;
            }
            return total;
        }, CancellationToken.None, thread).WaitAsync(Limit);
        Assert.Equal(10_000L * 9_999 / 2, sum);
    }

    [Fact(Timeout = Timeout)]
    public async Task A_producer_that_throws_first_is_reported_and_the_consumer_is_stopped()
    {
        var failure = new IOException("the socket broke");
        var consumerSawCancel = false;
        var run = BoundedPipeline.RunAsync<int, int>(4, async (w, ct) =>
        {
            await Numbers(w, ct, 3);
            throw failure;
        }, async (r, ct) =>
        {
            try
            {
                await Task.Delay(Timeout, ct); // busy elsewhere: only the cancellation ends this
            }
            catch (OperationCanceledException)
            {
                consumerSawCancel = true;
                throw;
            }
            return 0;
        }, CancellationToken.None);
        Assert.Same(failure, await Assert.ThrowsAsync<IOException>(() => run.WaitAsync(Limit)));
        Assert.True(consumerSawCancel);
    }

    [Fact(Timeout = Timeout)]
    public async Task In_order_a_producer_failure_reaches_the_consumer_after_the_items_before_it()
    {
        var failure = new InvalidDataException("damaged record 3");
        var seen = new List<int>();
        var run = BoundedPipeline.RunAsync<int, int>(2, async (w, ct) =>
        {
            await Numbers(w, ct, 3);
            throw failure;
        }, async (r, ct) =>
        {
            await Task.Delay(200, ct); // the producer fails while these items still wait
            await foreach (var i in r.ReadAllAsync(ct)) seen.Add(i);
            return 0;
        }, CancellationToken.None, onProducerFailure: ProducerFailure.InOrder);
        Assert.Same(failure, await Assert.ThrowsAsync<InvalidDataException>(() => run.WaitAsync(Limit)));
        Assert.Equal([0, 1, 2], seen);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_consumer_that_throws_first_is_reported_and_a_producer_waiting_on_a_full_channel_is_stopped(bool dedicated)
    {
        var thread = dedicated ? ProducerThread.Dedicated : ProducerThread.Pool;
        var failure = new InvalidOperationException("disk full");
        var producerSawCancel = false;
        var run = BoundedPipeline.RunAsync<int, int>(2, async (w, ct) =>
        {
            try
            {
                await Numbers(w, ct); // fills the channel, then waits for room that never comes
            }
            catch (OperationCanceledException)
            {
                producerSawCancel = true;
                throw;
            }
        }, async (r, ct) =>
        {
            await r.ReadAsync(ct);
            await Task.Delay(100, ct);
            throw failure;
        }, CancellationToken.None, thread);
        Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(Limit)));
        Assert.True(producerSawCancel);
    }

    [Fact(Timeout = Timeout)]
    public async Task The_callers_cancellation_stops_both_sides_and_is_reported_as_a_cancellation()
    {
        using var cts = new CancellationTokenSource();
        var run = BoundedPipeline.RunAsync<int, int>(2, (w, ct) => Numbers(w, ct), async (r, ct) =>
        {
            await r.ReadAsync(ct);
            cts.Cancel();
            await Task.Delay(Timeout, ct);
            return 0;
        }, cts.Token);
        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Limit));
        Assert.Equal(cts.Token, thrown.CancellationToken);
    }

    [Fact(Timeout = Timeout)]
    public async Task A_consumer_that_stops_reading_early_ends_the_run_with_its_result()
    {
        var run = BoundedPipeline.RunAsync<int, int>(2, (w, ct) => Numbers(w, ct), async (r, ct) => await r.ReadAsync(ct) + 41, CancellationToken.None);
        Assert.Equal(41, await run.WaitAsync(Limit)); // the producer, blocked on the full channel, was stopped and its cancellation is no failure
    }

    [Theory(Timeout = Timeout)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task When_both_sides_fail_the_first_failure_wins(bool producerFirst)
    {
        var producerFailure = new IOException("producer");
        var consumerFailure = new InvalidDataException("consumer");
        using var producerGo = new SemaphoreSlim(0);
        using var consumerGo = new SemaphoreSlim(0);
        var run = BoundedPipeline.RunAsync<int, int>(2, async (w, ct) =>
        {
            await producerGo.WaitAsync(CancellationToken.None);
            throw producerFailure; // not a cancellation: a failure of its own, even when it comes second
        }, async (r, ct) =>
        {
            await consumerGo.WaitAsync(CancellationToken.None);
            throw consumerFailure;
        }, CancellationToken.None);
        // The first side fails; the second then fails with an error of its own (not a cancellation) after it.
        (producerFirst ? producerGo : consumerGo).Release();
        await Task.Delay(200);
        (producerFirst ? consumerGo : producerGo).Release();
        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => run.WaitAsync(Limit));
        Assert.Same(producerFirst ? producerFailure : consumerFailure, thrown);
    }

    [Fact(Timeout = Timeout)]
    public async Task A_cancellation_of_the_other_side_caused_by_a_failure_is_not_reported()
    {
        // The consumer turns the stop into an OperationCanceledException of its own: the producer's error still wins.
        var failure = new IOException("scan failed");
        var run = BoundedPipeline.RunAsync<int, int>(2, (w, ct) => Task.FromException(failure), async (r, ct) =>
        {
            try { await foreach (var _ in r.ReadAllAsync(CancellationToken.None)) { } }
            catch (IOException) { /* turned into a stop of its own below */ }
            throw new OperationCanceledException("the consumer stopped");
        }, CancellationToken.None);
        Assert.Same(failure, await Assert.ThrowsAsync<IOException>(() => run.WaitAsync(Limit)));
    }
}
