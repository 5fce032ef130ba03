using RedisBackup.Cli.Output;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Tests.Cli;

public class ProgressRenderingTests
{
    private static OperationProgress Counter(long done, long total) => new() { Activity = "Backing up", Status = $"db 0: {done} of {total} keys", Done = done, Total = total, Bytes = 2048 };

    [Fact]
    public void Without_a_terminal_only_step_lines_are_written()
    {
        using var error = new StringWriter();
        using (var progress = new ConsoleProgress(error, live: false, width: 80))
        {
            progress.Report(OperationProgress.Step("Backing up", "Step 1/2: exporting keys"));
            progress.Report(Counter(10, 100));
            progress.Report(OperationProgress.Step("Backing up", "Step 2/2: verifying"));
        }
        Assert.Equal($"Step 1/2: exporting keys{Environment.NewLine}Step 2/2: verifying{Environment.NewLine}", error.ToString());
    }

    [Fact]
    public void On_a_terminal_counters_rewrite_one_line_that_steps_and_the_end_clear()
    {
        using var error = new StringWriter();
        using (var progress = new ConsoleProgress(error, live: true, width: 30))
        {
            progress.Report(Counter(10, 100));
            progress.Report(Counter(20, 100)); // within the throttle interval: not drawn
            progress.Report(OperationProgress.Step("Backing up", "Step 2/2: verifying"));
        }
        var text = error.ToString();
        Assert.StartsWith("\rdb 0: 10 of 100 keys  10%  2.\u001b[K", text); // truncated to the terminal width
        Assert.DoesNotContain("20 of 100", text);
        Assert.Contains("\r\u001b[KStep 2/2: verifying", text);
    }

    [Fact]
    public void A_counter_line_shows_status_percent_and_bytes()
        => Assert.Equal("db 0: 10 of 100 keys  10%  2.0 KiB", ConsoleProgress.Describe(Counter(10, 100)));
}
