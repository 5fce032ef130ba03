using System.CommandLine;
using System.Text.Json.Nodes;
using RedisBackup.Cli.Options;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Catalog;

namespace RedisBackup.Cli.Commands;

/// <summary>redis-backup remove: deletes one backup (and its sidecars) by name through the catalog's checks.</summary>
internal sealed class RemoveCommand
{
    private readonly CliHost _host;
    private readonly Argument<string> _name = new("NAME") { Description = "The backup's file name in the catalog (no paths)." };
    private readonly Option<string> _dir = CommonOptions.Directory();
    private readonly Option<bool> _dryRun = CommonOptions.DryRun();
    private readonly Option<bool> _json = CommonOptions.Json();

    public RemoveCommand(CliHost host)
    {
        _host = host;
        Command = new Command("remove", "Remove one backup and its metadata files from the catalog.");
        Command.Arguments.Add(_name);
        foreach (var option in new Option[] { _dir, _dryRun, _json }) Command.Options.Add(option);
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var output = new CommandOutput(_host, OutputModes.From(result.GetValue(_json), quiet: false));
        return CommandRunner.RunAsync(output, () =>
        {
            var dryRun = result.GetValue(_dryRun);
            var catalog = new BackupCatalog(BackupCatalog.ResolveDirectory(result.GetValue(_dir), _host.Environment));
            var removed = catalog.Remove(result.GetRequiredValue(_name), dryRun);
            if (output.IsJson)
            {
                var node = JsonOutput.ToNode(removed).AsObject();
                node["dryRun"] = dryRun;
                output.Json(node);
            }
            output.Result(dryRun
                ? $"Dry run: nothing was changed. Would remove {removed.Name} ({HumanFormat.Size(removed.SizeBytes)}) and its metadata files from {catalog.Directory}."
                : $"Removed {removed.Name} ({HumanFormat.Size(removed.SizeBytes)}) and its metadata files from {catalog.Directory}.");
            return Task.FromResult(ExitCodes.Success);
        }, cancellationToken);
    }
}
