using System.CommandLine;

namespace RedisBackup.Cli.Options;

/// <summary>
/// The FILE|NAME argument of the commands that read one backup, with the --dir catalog a bare name is looked up in,
/// and their resolution into the backup's file (<see cref="BackupLocator"/>).
/// </summary>
internal sealed class BackupArgument
{
    private const string DefaultDescription = "A backup file, or the name of a backup in the catalog (see --dir).";

    private readonly Argument<string> _backup;
    private readonly Option<string> _dir = CommonOptions.Directory();

    public BackupArgument(string description = DefaultDescription) => _backup = new("FILE|NAME") { Description = description };

    /// <summary>Adds the argument and --dir to <paramref name="command"/>, --dir as its first option.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Arguments.Add(_backup);
        command.Options.Add(_dir);
    }

    /// <summary>The --dir given, or null.</summary>
    public string? Directory(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.GetValue(_dir);
    }

    /// <summary>The backup file the argument names.</summary>
    public string Resolve(ParseResult result, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(result);
        return BackupLocator.Resolve(result.GetRequiredValue(_backup), result.GetValue(_dir), environment);
    }
}
