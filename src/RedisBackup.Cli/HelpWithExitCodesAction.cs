using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace RedisBackup.Cli;

/// <summary>The standard --help output of every command, followed by the exit codes scripts rely on.</summary>
internal sealed class HelpWithExitCodesAction(HelpAction standard) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var code = standard.Invoke(parseResult);
        var output = parseResult.InvocationConfiguration.Output;
        output.WriteLine("Exit codes:");
        foreach (var line in ExitCodes.HelpLines) output.WriteLine("  " + line);
        output.WriteLine();
        return code;
    }
}
