using System.CommandLine;
using System.CommandLine.Parsing;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;

namespace RedisBackup.Cli.Options;

/// <summary>Options several commands share, created fresh for each command (a System.CommandLine symbol has one parent).</summary>
internal static class CommonOptions
{
    public static Option<string> Directory() => new("--dir")
    {
        Description = "Backup catalog directory (default: $REDISBACKUP_PATH, else ./backups/redis).",
        HelpName = "DIR",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print exactly one JSON document on stdout (camelCase fields). Errors: {\"error\":{\"id\",\"kind\",\"message\"}}.",
    };

    public static Option<bool> Quiet() => new("--quiet", "-q")
    {
        Description = "Print nothing on success (errors still go to stderr). For cron.",
    };

    public static Option<bool> DryRun() => new("--dry-run")
    {
        Description = "Print the steps that would run and change nothing.",
    };

    /// <summary>--kind keys|rdb, mapped by <see cref="ParseKind"/>.</summary>
    public static Option<string> Kind(string description) => new Option<string>("--kind")
    {
        Description = description,
        HelpName = "keys|rdb",
    }.AcceptOnlyFromAmong("keys", "rdb");

    public static BackupKind? ParseKind(string? value) => value switch
    {
        null => null,
        "rdb" => BackupKind.Snapshot,
        _ => BackupKind.KeyLevel,
    };

    /// <summary>An option whose value must be at least <paramref name="minimum"/>, checked while parsing (exit code 2).</summary>
    public static Option<int?> AtLeast(this Option<int?> option, int minimum)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && value < minimum)
                result.AddError($"{result.IdentifierToken?.Value ?? option.Name} must be at least {minimum} (got {value}).");
        });
        return option;
    }
}
