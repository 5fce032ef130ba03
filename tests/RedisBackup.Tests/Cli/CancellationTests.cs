using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Cli;

public class CancellationTests
{
    /// <summary>A terminal nobody types into: ReadLine blocks until the test ends.</summary>
    private sealed class SilentTerminal : TextReader
    {
        private readonly ManualResetEventSlim _never = new();
        public override string? ReadLine()
        {
            _never.Wait(TimeSpan.FromSeconds(30));
            return null;
        }
    }

    [Fact]
    public async Task Ctrl_C_at_the_flush_confirmation_exits_130_without_waiting_for_input()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("a.rdb");
        File.WriteAllText(file, "not used");
        var run = new CliRun { Interactive = true, Input = new SilentTerminal() };
        using var ctrlC = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var outcome = await run.RunAsync(ctrlC.Token, "restore", file, "--flush", "--port", "1");
        Assert.True(outcome.ExitCode == 130, outcome.ToString());
        Assert.Contains("Cancelled", outcome.Stderr);
    }
}
