using System.CommandLine;
using System.CommandLine.Help;
using RedisBackup.Cli.Commands;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Cli;

/// <summary>
/// The redis-backup command tree and its entry point. <see cref="RunAsync(IReadOnlyList{string}, CliHost, CancellationToken)"/>
/// is what the process runs and what tests call in-process with their own writers and environment.
/// </summary>
internal sealed class CliApp
{
    public CliApp(CliHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        Host = host;
        Backup = new BackupCommand(host);
        Restore = new RestoreCommand(host);
        List = new ListCommand(host);
        Stats = new StatsCommand(host);
        Remove = new RemoveCommand(host);
        Verify = new VerifyCommand(host);
        Copy = new CopyCommand(host);
        Convert = new ConvertCommand(host);
        Inspect = new InspectCommand(host);
        Demo = new DemoCommand(host);
        Root = new RootCommand(
            "redis-backup: back up and restore Redis. Key-level exports and RDB snapshots (from a Docker container or over " +
            "replication) go into a catalog directory (--dir, else $REDISBACKUP_PATH, else ./backups/redis). The password comes " +
            "from REDISCLI_AUTH, --password-stdin, or --password (visible to other users).")
        {
            Backup.Command, Restore.Command, List.Command, Stats.Command, Remove.Command, Verify.Command, Copy.Command, Convert.Command, Inspect.Command, Demo.Command,
        };
        foreach (var help in Root.Options.OfType<HelpOption>())
        {
            if (help.Action is HelpAction standard) help.Action = new HelpWithExitCodesAction(standard);
        }
    }

    public CliHost Host { get; }
    public RootCommand Root { get; }
    public BackupCommand Backup { get; }
    public RestoreCommand Restore { get; }
    public ListCommand List { get; }
    public StatsCommand Stats { get; }
    public RemoveCommand Remove { get; }
    public VerifyCommand Verify { get; }
    public CopyCommand Copy { get; }
    public ConvertCommand Convert { get; }
    public InspectCommand Inspect { get; }
    public DemoCommand Demo { get; }

    /// <summary>Response files are off: a value such as a password or key pattern starting with '@' stays literal.</summary>
    private static readonly ParserConfiguration ParserConfiguration = new() { ResponseFileTokenReplacer = null };

    public ParseResult Parse(IReadOnlyList<string> args) => Root.Parse(args, ParserConfiguration);

    public static Task<int> RunAsync(IReadOnlyList<string> args, CliHost host, CancellationToken cancellationToken = default)
        => new CliApp(host).RunAsync(args, cancellationToken);

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var result = Parse(args);
        if (result.Errors.Count > 0 && result.Action is System.CommandLine.Invocation.ParseErrorAction)
            return ReportUsageErrors(result, args);

        var configuration = new InvocationConfiguration
        {
            Output = Host.Out,
            Error = Host.Error,
            // Failures are reported by CommandRunner; Ctrl+C and SIGTERM arrive through cancellationToken (see Program).
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        int code;
        try
        {
            code = await result.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled before a command body started (its own cancellations are reported by CommandRunner).
            code = ExitCodes.Cancelled;
        }
        await Host.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        await Host.Error.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        return code;
    }

    /// <summary>Unknown options, bad values, a missing argument or command: the messages on stderr, exit code 2.</summary>
    private int ReportUsageErrors(ParseResult result, IReadOnlyList<string> args)
    {
        var output = new CommandOutput(Host, args.Contains("--json") ? OutputMode.Json : OutputMode.Human);
        var message = string.Join(" ", result.Errors.Select(e => e.Message));
        CommandRunner.ReportError(output, ErrorIds.InvalidCommandLine, "invalidArgument", message);
        var command = result.CommandResult.Command;
        var name = command is RootCommand ? "redis-backup" : "redis-backup " + command.Name;
        Host.Error.WriteLine($"Run '{name} --help' for usage.");
        Host.Error.Flush();
        return ExitCodes.Usage;
    }
}
