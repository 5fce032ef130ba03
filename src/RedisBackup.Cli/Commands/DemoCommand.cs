using System.CommandLine;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Cli.Commands;

/// <summary>redis-backup demo: <see cref="DemoOperation"/>, each step printed as it happens; exit 1 when a restore did not match.</summary>
internal sealed class DemoCommand
{
    private readonly CliHost _host;
    private readonly Option<string> _server = new("--redis-server")
    {
        Description = "The redis-server (or valkey-server) to start (default: the first one on PATH).",
        HelpName = "PATH",
    };

    public DemoCommand(CliHost host)
    {
        _host = host;
        Command = new Command("demo",
            "Show the whole tool working with nothing of yours: start a throwaway redis-server with sample data (strings, hashes, " +
            "float32 vectors, a stream, keys with TTLs), back it up three ways (logical, exact, RDB snapshot), verify, restore each " +
            "into a second throwaway server, compare (DEBUG DIGEST and TTLs), then stop both and delete everything.");
        Command.Options.Add(_server);
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var output = new CommandOutput(_host, OutputMode.Human);
        return CommandRunner.RunAsync(output, async () =>
        {
            output.Result("redis-backup demo: backing up and restoring throwaway Redis servers");
            var steps = new StepPrinter(output);
            var demo = await DemoOperation.RunAsync(result.GetValue(_server), steps, cancellationToken).ConfigureAwait(false);
            output.Result(demo.AllIdentical
                ? $"Demo passed: every restore of the {demo.Keys} sample keys is identical to the source."
                : "Demo FAILED: a restore differs from the source (see above).");
            return demo.AllIdentical ? ExitCodes.Success : ExitCodes.Failed;
        }, cancellationToken);
    }

    /// <summary>Each step as a numbered line on stdout (the demo's result is what it did).</summary>
    private sealed class StepPrinter(CommandOutput output) : IProgress<OperationProgress>
    {
        private int _n;

        public void Report(OperationProgress value)
        {
            if (value.IsStep) output.Result($"  {++_n}. {value.Status}");
        }
    }
}
