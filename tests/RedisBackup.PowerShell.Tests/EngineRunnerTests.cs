using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Tests;

/// <summary>The progress pump every cmdlet runs engine calls through, exercised without PowerShell.</summary>
public sealed class EngineRunnerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void Steps_arrive_in_order_on_the_calling_thread_and_the_result_is_returned()
    {
        var caller = Environment.CurrentManagedThreadId;
        var seen = new List<(string Kind, string Status, int Thread)>();
        var result = EngineRunner.Run(async (progress, ct) =>
        {
            await Task.Yield();
            progress.Report(OperationProgress.Step("a", "Step 1/2: export"));
            progress.Report(new OperationProgress { Activity = "a", Status = "10 of 20", Done = 10, Total = 20 });
            progress.Report(OperationProgress.Step("a", "Step 2/2: verify"));
            return 42;
        },
        s => seen.Add(("step", s.Status, Environment.CurrentManagedThreadId)),
        c => seen.Add(("counter", c.Status, Environment.CurrentManagedThreadId)),
        CancellationToken.None);

        Assert.Equal(42, result);
        Assert.Equal([("step", "Step 1/2: export"), ("counter", "10 of 20"), ("step", "Step 2/2: verify")], seen.Select(s => (s.Kind, s.Status)));
        Assert.All(seen, s => Assert.Equal(caller, s.Thread));
    }

    [Fact]
    public void A_burst_of_counters_is_drawn_as_its_newest_value()
    {
        var counters = new List<long>();
        using var produced = new ManualResetEventSlim();
        EngineRunner.Run(async (progress, ct) =>
        {
            for (var i = 1; i <= 10_000; i++) progress.Report(new OperationProgress { Activity = "a", Done = i, Total = 10_000 });
            produced.Set();
            await Task.Yield();
            return 0;
        }, _ => { }, c =>
        {
            counters.Add(c.Done);
            Assert.True(produced.Wait(Timeout)); // a slow host: everything reported meanwhile queues up
        }, CancellationToken.None);

        Assert.InRange(counters.Count, 1, 2);
        Assert.Equal(10_000, counters[^1]);
        Assert.Equal(counters.Order(), counters); // never goes backwards
    }

    [Fact]
    public void Engine_errors_propagate_unwrapped()
    {
        var ex = Assert.Throws<RedisBackupException>(() => EngineRunner.Run<int>(async (p, ct) =>
        {
            await Task.Yield();
            throw new RedisBackupException(ErrorKind.NotFound, "ContainerNotFound", "No container 'x'.", "x");
        }, _ => { }, _ => { }, CancellationToken.None));
        Assert.Equal("ContainerNotFound", ex.ErrorId);
    }

    [Fact]
    public void Cancelling_the_token_stops_a_running_operation()
    {
        using var cts = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();
        var runner = Task.Run(() => EngineRunner.Run(async (p, ct) =>
        {
            started.Set();
            await Task.Delay(Timeout, ct);
            return 1;
        }, _ => { }, _ => { }, cts.Token));
        Assert.True(started.Wait(Timeout));
        cts.Cancel();
        var ex = Assert.ThrowsAny<OperationCanceledException>(() => runner.GetAwaiter().GetResult());
        Assert.Equal(cts.Token, ex.CancellationToken);
    }

    [Fact]
    public void A_report_after_completion_is_dropped_not_thrown()
    {
        IProgress<OperationProgress>? leaked = null;
        var result = EngineRunner.Run((p, ct) => { leaked = p; return Task.FromResult("done"); }, _ => { }, _ => { }, CancellationToken.None);
        Assert.Equal("done", result);
        leaked!.Report(OperationProgress.Step("late", "after the end"));
    }
}
