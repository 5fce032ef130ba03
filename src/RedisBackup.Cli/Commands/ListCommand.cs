using System.CommandLine;
using RedisBackup.Cli.Options;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;

namespace RedisBackup.Cli.Commands;

/// <summary>
/// redis-backup list: the catalog's backups, oldest first, as a table or a JSON array of records. A catalog directory that
/// does not exist is an error (exit 1, CatalogNotFound), never "No backups". Names are escaped in the table (control characters).
/// </summary>
internal sealed class ListCommand
{
    private readonly CliHost _host;
    private readonly Option<string> _dir = CommonOptions.Directory();
    private readonly Option<string> _kind = CommonOptions.Kind("Only key-level backups (keys) or only RDB snapshots (rdb).");
    private readonly Option<string> _name = new("--name") { Description = "Only backups whose file name matches this wildcard (* and ?).", HelpName = "WILDCARD" };
    private readonly Option<int?> _latest = new Option<int?>("--latest") { Description = "Only the newest N backups.", HelpName = "N" }.AtLeast(1);
    private readonly Option<bool> _json = CommonOptions.Json();

    public ListCommand(CliHost host)
    {
        _host = host;
        Command = new Command("list", "List the backups in the catalog, oldest first (newest last).");
        foreach (var option in new Option[] { _dir, _kind, _name, _latest, _json }) Command.Options.Add(option);
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    /// <summary>The catalog query the command line asks for.</summary>
    public ListQuery ToQuery(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new ListQuery(
            BackupCatalog.ResolveDirectory(result.GetValue(_dir), _host.Environment),
            result.GetValue(_name),
            CommonOptions.ParseKind(result.GetValue(_kind)),
            result.GetValue(_latest));
    }

    private Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var output = new CommandOutput(_host, OutputModes.From(result.GetValue(_json), quiet: false));
        return CommandRunner.RunAsync(output, () =>
        {
            var query = ToQuery(result);
            var backups = new BackupCatalog(query.Directory).List(query.Name, query.Kind, query.Latest);
            output.Json(backups);
            if (output.IsHuman) WriteTable(output, query.Directory, backups);
            return Task.FromResult(ExitCodes.Success);
        }, cancellationToken);
    }

    private static void WriteTable(CommandOutput output, string directory, IReadOnlyList<BackupRecord> backups)
    {
        if (backups.Count == 0)
        {
            output.Result($"No backups in {directory}.");
            return;
        }
        var table = new TextTable(("NAME", false), ("KIND", false), ("CREATED (UTC)", false), ("SIZE", true), ("KEYS", true), ("VERIFIED", false), ("SOURCE", false));
        foreach (var b in backups)
        {
            table.Add(HumanFormat.Name(b.Name), HumanFormat.Kind(b.Kind), HumanFormat.Time(b.CreatedAt), HumanFormat.Size(b.SizeBytes),
                HumanFormat.Count(b.KeyCount), HumanFormat.Verification(b.Verification, b.VerificationLevel), HumanFormat.Name(b.Source));
        }
        table.WriteTo(output.Host.Out);
        output.Result($"{HumanFormat.Count(backups.Count)} backup(s), {HumanFormat.Size(backups.Sum(b => b.SizeBytes))} in {directory}");
    }
}

/// <summary>What <c>list</c> asks the catalog for.</summary>
internal sealed record ListQuery(string Directory, string? Name, BackupKind? Kind, int? Latest);
