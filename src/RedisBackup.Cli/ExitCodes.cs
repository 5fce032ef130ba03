using RedisBackup.Engine.Errors;

namespace RedisBackup.Cli;

/// <summary>The process exit codes, the one place that maps failures to them. Scripts depend on these values.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The operation failed: connection, authentication, a missing or corrupt backup, a restore with failed keys, a failed verification, a refused removal.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong: unknown option, bad value, conflicting options, an invalid backup name, a destructive option without --yes.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted by Ctrl+C (SIGINT) or SIGTERM. A backup keeps nothing partial; a live restore says how far it got.</summary>
    public const int Cancelled = 130;

    public static int For(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => Usage,
        ErrorKind.Cancelled => Cancelled,
        _ => Failed,
    };

    /// <summary>The lines appended to every --help, mirrored in docs/cli.md.</summary>
    public static readonly IReadOnlyList<string> HelpLines =
    [
        "0    success",
        "1    the operation failed (connection, authentication, missing or corrupt backup, a restore with failed keys,",
        "     a verification that fails, a refused removal)",
        "2    usage error or invalid argument (unknown option, bad value, invalid backup name, --flush without --yes",
        "     when not interactive)",
        "130  interrupted by Ctrl+C or SIGTERM (a backup keeps nothing partial; a live restore reports the keys",
        "     written so far)",
    ];
}
