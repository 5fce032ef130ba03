using System.Threading.Channels;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;

namespace RedisBackup.PowerShell.Infrastructure;

/// <summary>
/// Runs one engine call on the thread pool while the calling thread (PowerShell's pipeline thread, which alone may
/// write progress) drains its progress reports: every step in order, and of each burst of counter updates only the
/// newest, so a fast engine cannot flood the host. No PowerShell types: the cmdlet base passes its writers in.
/// Not the engine's BoundedPipeline (which is internal to the engine): the consumer must be the calling thread itself,
/// the channel is unbounded on purpose (a progress report never makes the engine wait), and there is no failure to
/// race: only the operation can fail, and its exception is rethrown once the channel it completes is drained.
/// </summary>
internal static class EngineRunner
{
    /// <returns>The operation's result; its exceptions (including cancellation) propagate unwrapped.</returns>
    public static T Run<T>(
        Func<IProgress<OperationProgress>, CancellationToken, Task<T>> operation,
        Action<OperationProgress> onStep,
        Action<OperationProgress> onCounter,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(onStep);
        ArgumentNullException.ThrowIfNull(onCounter);
        var channel = Channel.CreateUnbounded<OperationProgress>(new UnboundedChannelOptions { SingleReader = true });
        var progress = new ChannelProgress(channel.Writer);
        var task = Task.Run(() => operation(progress, cancellationToken), cancellationToken);
        _ = task.ContinueWith(_ => channel.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        while (channel.Reader.WaitToReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult())
        {
            OperationProgress? counter = null;
            while (channel.Reader.TryRead(out var report))
            {
                if (report.IsStep)
                {
                    if (counter is not null) { onCounter(counter); counter = null; }
                    onStep(report);
                }
                else
                {
                    counter = report;
                }
            }
            if (counter is not null) onCounter(counter);
        }
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Queues reports for the draining thread (Progress&lt;T&gt; would post to a context PowerShell does not pump).</summary>
    private sealed class ChannelProgress(ChannelWriter<OperationProgress> writer) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => writer.TryWrite(value);
    }
}
