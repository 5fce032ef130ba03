using System.CommandLine;
using RedisBackup.Cli.Options;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Cli.Commands;

/// <summary>redis-backup convert: one <see cref="ConvertRequest"/> → <see cref="ConvertOperation"/> → the new logical backup.</summary>
internal sealed class ConvertCommand
{
    private readonly CliHost _host;
    private readonly BackupArgument _backup = new("An RDB snapshot or a key-level backup (a file, or a name in the catalog, see --dir).");
    private readonly Option<bool> _skipVerify = new("--skip-verify") { Description = "Skip the integrity check of the source that otherwise runs first." };
    private readonly Option<bool> _json = CommonOptions.Json();
    private readonly Option<bool> _quiet = CommonOptions.Quiet();
    private readonly Option<bool> _dryRun = CommonOptions.DryRun();

    public ConvertCommand(CliHost host)
    {
        _host = host;
        Command = new Command("convert", "Convert an RDB snapshot or an exact backup into a logical key-level backup in the catalog, offline (no server needed). " +
                                         "The new backup restores into any Redis or Valkey version and is verified as it is written.");
        _backup.AddTo(Command);
        foreach (var option in new Option[] { _skipVerify, _json, _quiet, _dryRun }) Command.Options.Add(option);
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    public ConvertRequest ToRequest(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var directory = _backup.Directory(result);
        return new ConvertRequest
        {
            Path = _backup.Resolve(result, _host.Environment),
            Directory = BackupCatalog.ResolveDirectory(directory, _host.Environment),
            SkipVerify = result.GetValue(_skipVerify),
        };
    }

    private Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var output = new CommandOutput(_host, OutputModes.From(result.GetValue(_json), result.GetValue(_quiet)));
        return CommandRunner.RunAsync(output, async () =>
        {
            var plan = ConvertOperation.Prepare(ToRequest(result));
            var request = plan.Request;
            if (result.GetValue(_dryRun))
            {
                output.Plan("The conversion would", plan);
                return ExitCodes.Success;
            }
            output.Log($"Converting {Path.GetFileName(request.Path)} into a logical key-level backup in {request.Directory}");
            BackupRecord converted;
            using (var progress = output.CreateProgress())
                converted = await ConvertOperation.RunAsync(plan, progress, cancellationToken).ConfigureAwait(false);
            output.Json(converted);
            output.Result($"Converted: {converted.Path} ({HumanFormat.Size(converted.SizeBytes)}, {HumanFormat.Count(converted.KeyCount)} keys, verified)");
            return ExitCodes.Success;
        }, cancellationToken);
    }
}
