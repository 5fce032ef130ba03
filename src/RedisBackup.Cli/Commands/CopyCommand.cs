using System.CommandLine;
using RedisBackup.Cli.Options;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Catalog;

namespace RedisBackup.Cli.Commands;

/// <summary>redis-backup copy: exports a catalog backup (with its sidecars) to a directory or file, checksum checked.</summary>
internal sealed class CopyCommand
{
    private readonly CliHost _host;
    private readonly Argument<string> _name = new("NAME") { Description = "The backup's file name in the catalog." };
    private readonly Argument<string> _destination = new("DEST") { Description = "A directory to copy into, or a file path to copy to." };
    private readonly Option<string> _dir = CommonOptions.Directory();
    private readonly Option<bool> _force = new("--force") { Description = "Overwrite an existing file at the destination." };
    private readonly Option<bool> _json = CommonOptions.Json();

    public CopyCommand(CliHost host)
    {
        _host = host;
        Command = new Command("copy", "Copy a backup out of the catalog and check the copy's SHA-256.");
        Command.Arguments.Add(_name);
        Command.Arguments.Add(_destination);
        foreach (var option in new Option[] { _dir, _force, _json }) Command.Options.Add(option);
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var output = new CommandOutput(_host, OutputModes.From(result.GetValue(_json), quiet: false));
        return CommandRunner.RunAsync(output, () =>
        {
            var catalog = new BackupCatalog(BackupCatalog.ResolveDirectory(result.GetValue(_dir), _host.Environment));
            var source = catalog.Get(result.GetRequiredValue(_name));
            var copy = BackupCatalog.Copy(source, Path.GetFullPath(result.GetRequiredValue(_destination)), result.GetValue(_force));
            output.Json(copy);
            output.Result($"Copied {source.Name} to {copy.Path} ({HumanFormat.Size(copy.SizeBytes)}); checksum verified.");
            return Task.FromResult(ExitCodes.Success);
        }, cancellationToken);
    }
}
