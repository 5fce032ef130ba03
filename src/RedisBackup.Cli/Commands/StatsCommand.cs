using System.CommandLine;
using RedisBackup.Cli.Options;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Catalog;

namespace RedisBackup.Cli.Commands;

/// <summary>redis-backup stats: the catalog's <see cref="CatalogStats"/> as aligned fields or one JSON object.</summary>
internal sealed class StatsCommand
{
    private readonly CliHost _host;
    private readonly Option<string> _dir = CommonOptions.Directory();
    private readonly Option<bool> _json = CommonOptions.Json();

    public StatsCommand(CliHost host)
    {
        _host = host;
        Command = new Command("stats", "Show catalog statistics: count, total size, newest and oldest, verification age, free space, last failure.");
        Command.Options.Add(_dir);
        Command.Options.Add(_json);
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var output = new CommandOutput(_host, OutputModes.From(result.GetValue(_json), quiet: false));
        return CommandRunner.RunAsync(output, () =>
        {
            var stats = new BackupCatalog(BackupCatalog.ResolveDirectory(result.GetValue(_dir), _host.Environment)).GetStats();
            output.Json(stats);
            if (output.IsHuman) WriteFields(output, stats);
            return Task.FromResult(ExitCodes.Success);
        }, cancellationToken);
    }

    private static void WriteFields(CommandOutput output, CatalogStats s)
    {
        var fields = new List<(string, string)>
        {
            ("Directory", s.Directory),
            ("Backups", $"{HumanFormat.Count(s.TotalBackups)} ({HumanFormat.Count(s.KeyLevelCount)} key-level, {HumanFormat.Count(s.SnapshotCount)} rdb)"),
            ("Total size", HumanFormat.Size(s.TotalSizeBytes)),
            ("Newest", Describe(s.Latest)),
            ("Oldest", Describe(s.Oldest)),
            ("Latest verified", s.LatestVerified is null ? "none" : $"{s.LatestVerified.Name} ({(s.LatestVerifiedAge is { } age ? HumanFormat.Age(age) + " old" : "age unknown")})"),
            ("Free space", s.FreeSpaceBytes is { } free ? HumanFormat.Size(free) : "unknown"),
            ("Last failure", s.LastFailure is { } f ? $"{HumanFormat.Time(f.At)} UTC {f.Operation}{(f.Source is null ? "" : " of " + f.Source)}: {f.ErrorId}: {f.Message}" : "none"),
        };
        var width = fields.Max(f => f.Item1.Length) + 1;
        foreach (var (label, value) in fields)
            output.Result((label + ":").PadRight(width + 1) + value);
    }

    private static string Describe(BackupRecord? b)
        => b is null ? "none" : $"{b.Name} ({HumanFormat.Time(b.CreatedAt)} UTC, {HumanFormat.Size(b.SizeBytes)})";
}
