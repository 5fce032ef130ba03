using System.CommandLine;
using RedisBackup.Cli.Options;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Cli.Commands;

/// <summary>redis-backup inspect: what a backup holds (<see cref="InspectOperation"/>), as tables that fit 80 columns or one JSON document.</summary>
internal sealed class InspectCommand
{
    private const int Width = 80;

    private readonly CliHost _host;
    private readonly BackupArgument _backup = new();
    private readonly Option<int?> _top = new Option<int?>("--top") { Description = $"List the N biggest keys (default {InspectOperation.DefaultTop}; 0 for none).", HelpName = "N" }.AtLeast(0);
    private readonly Option<bool> _json = CommonOptions.Json();

    public InspectCommand(CliHost host)
    {
        _host = host;
        Command = new Command("inspect", "Show what a backup holds without restoring it: keys per database and type, keys with TTLs, the biggest keys, " +
                                         "functions, module types and the server version that wrote it. Reads any file size in bounded memory.");
        _backup.AddTo(Command);
        foreach (var option in new Option[] { _top, _json }) Command.Options.Add(option);
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var output = new CommandOutput(_host, OutputModes.From(result.GetValue(_json), quiet: false));
        return CommandRunner.RunAsync(output, async () =>
        {
            var path = _backup.Resolve(result, _host.Environment);
            BackupContent content;
            using (var progress = output.CreateProgress())
                content = await InspectOperation.RunAsync(path, result.GetValue(_top) ?? InspectOperation.DefaultTop, progress, cancellationToken).ConfigureAwait(false);
            output.Json(content);
            if (output.IsHuman) Write(output, content);
            return ExitCodes.Success;
        }, cancellationToken);
    }

    private static void Write(CommandOutput output, BackupContent c)
    {
        var kind = c.Format switch
        {
            BackupFormat.Rdb => "RDB snapshot",
            BackupFormat.SeedJson => "seed-service JSON backup",
            _ => c.Exact ? "exact key-level backup" : "logical key-level backup",
        };
        output.Result($"{c.Name} ({kind}, {HumanFormat.Size(c.Bytes)})");
        var writer = c.ServerVersion is null ? "not recorded" : c.ServerName is null ? c.ServerVersion : c.ServerName + " " + c.ServerVersion;
        if (c.RdbVersion is { } version) writer += $", RDB format {c.RdbMagic} {version}";
        if (c.CreatedAt is { } at) writer += $", taken {HumanFormat.Time(at)} UTC";
        output.Result(Fit($"Server:      {writer}"));
        output.Result($"Keys:        {HumanFormat.Count(c.Keys)} ({HumanFormat.Count(c.KeysWithTtl)} with a TTL) in {HumanFormat.Count(c.Databases.Count)} database(s)");
        if (c.FieldTtls > 0) output.Result($"Field TTLs:  {HumanFormat.Count(c.FieldTtls)} hash fields with their own TTL");
        if (c.Format == BackupFormat.Rdb)
            output.Result(Fit($"Functions:   {(c.Functions.Count == 0 ? "none" : $"{c.Functions.Count} libraries: {string.Join(", ", c.Functions)}")}"));
        if (c.ModuleTypes.Count > 0 || c.ModuleAuxRecords > 0)
            output.Result(Fit($"Modules:     {string.Join(", ", c.ModuleTypes.Select(m => $"{m.Key} ({HumanFormat.Count(m.Value)} keys)"))}" +
                              (c.ModuleAuxRecords > 0 ? $"; {HumanFormat.Count(c.ModuleAuxRecords)} module aux records" : "")));
        if (c.KeysWithMetadata > 0) output.Result($"Metadata:    {HumanFormat.Count(c.KeysWithMetadata)} keys with key metadata (Redis 8.6+)");
        if (c.InlineCommands > 0) output.Result($"Commands:    {HumanFormat.Count(c.InlineCommands)} inline replication commands (Valkey 9.2)");
        if (c.Note is not null) output.Warn($"the file was read in part: {c.Note}");

        if (c.Databases.Count > 0)
        {
            output.Result("");
            var dbs = new TextTable(("DB", true), ("KEYS", true), ("WITH TTL", true));
            foreach (var db in c.Databases) dbs.Add(Text(db.Database), HumanFormat.Count(db.Keys), HumanFormat.Count(db.KeysWithTtl));
            dbs.WriteTo(output.Host.Out);
            output.Result("");
            var types = new TextTable(("DB", true), ("TYPE", false), ("KEYS", true));
            foreach (var db in c.Databases)
                foreach (var (type, count) in db.Types) types.Add(Text(db.Database), Truncate(type, 20), HumanFormat.Count(count));
            types.WriteTo(output.Host.Out);
        }

        if (c.BiggestKeys.Count > 0)
        {
            output.Result("");
            output.Result($"The {c.BiggestKeys.Count} biggest keys:");
            var rows = c.BiggestKeys.Select(k => (Size: HumanFormat.Size(k.Bytes), Db: Text(k.Database), Type: Truncate(k.Type, 12), Ttl: k.HasTtl ? "yes" : "", k.Key)).ToList();
            // The key gets what the other columns leave of 80 columns.
            var used = new[] { "SIZE".Length, "DB".Length, "TYPE".Length, "TTL".Length }
                .Zip(new[] { rows.Max(r => r.Size.Length), rows.Max(r => r.Db.Length), rows.Max(r => r.Type.Length), rows.Max(r => r.Ttl.Length) }, Math.Max).Sum() + 4 * 2;
            var table = new TextTable(("SIZE", true), ("DB", true), ("TYPE", false), ("TTL", false), ("KEY", false));
            foreach (var r in rows) table.Add(r.Size, r.Db, r.Type, r.Ttl, Truncate(r.Key, Math.Max(8, Width - used)));
            table.WriteTo(output.Host.Out);
        }
    }

    private static string Text(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Fit(string line) => Truncate(line, Width);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
