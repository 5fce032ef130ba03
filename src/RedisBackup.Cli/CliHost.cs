namespace RedisBackup.Cli;

/// <summary>
/// Everything the CLI touches outside itself: the three standard streams, the environment and whether the
/// streams are terminals. <see cref="FromConsole"/> is the real process; tests pass writers and a fixed environment.
/// </summary>
internal sealed class CliHost
{
    public required TextWriter Out { get; init; }
    public required TextWriter Error { get; init; }

    /// <summary>Standard input: read for --password-stdin and for an interactive confirmation.</summary>
    public TextReader In { get; init; } = TextReader.Null;

    /// <summary>Environment variable lookup (REDISCLI_AUTH, REDISBACKUP_PATH).</summary>
    public Func<string, string?> Environment { get; init; } = static _ => null;

    /// <summary>True when standard error is a terminal: enables the single updating progress line.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>True when standard input is a terminal: an interactive confirmation can be asked.</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>Width of the terminal, for truncating the progress line.</summary>
    public int TerminalWidth { get; init; } = 80;

    public static CliHost FromConsole()
    {
        var errorIsTerminal = !Console.IsErrorRedirected;
        return new CliHost
        {
            Out = Console.Out,
            Error = Console.Error,
            In = Console.In,
            Environment = System.Environment.GetEnvironmentVariable,
            ErrorIsTerminal = errorIsTerminal,
            InputIsTerminal = !Console.IsInputRedirected,
            TerminalWidth = errorIsTerminal ? ReadWidth() : 80,
        };
    }

    private static int ReadWidth()
    {
        try
        {
            var width = Console.WindowWidth;
            return width > 10 ? width : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
