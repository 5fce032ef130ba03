using System.CommandLine;
using RedisBackup.Cli.Options;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;

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
        Command = new Command("stats", "Show catalog statistics: count, total size, newest and oldest, verification age, free space, the last failure and failed restore, partial files left by interrupted runs.");
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
        var stale = s.PartialFiles.Where(p => p.Stale).ToList();
        var fields = new List<(string, string)>
        {
            ("Directory", s.Directory),
            ("Backups", $"{HumanFormat.Count(s.TotalBackups)} ({HumanFormat.Count(s.KeyLevelCount)} key-level, {HumanFormat.Count(s.SnapshotCount)} rdb)"),
            ("Total size", HumanFormat.Size(s.TotalSizeBytes)),
            ("Newest", Describe(s.Latest)),
            ("Oldest", Describe(s.Oldest)),
            ("Latest verified", s.LatestVerified is null ? "none" : $"{HumanFormat.Name(s.LatestVerified.Name)} ({(s.LatestVerifiedAge is { } age ? HumanFormat.Age(age) + " old" : "age unknown")})"),
            ("Free space", s.FreeSpaceBytes is { } free ? HumanFormat.Size(free) : "unknown"),
            ("Last failure", Describe(s.LastFailure)),
        };
        if (s.LastRestoreFailure is { } restore && restore != s.LastFailure)
            fields.Add(("Last failed restore", Describe(restore)));
        if (s.PartialFiles.Count > 0)
        {
            fields.Add(("Partial files", $"{HumanFormat.Count(s.PartialFiles.Count)} ({HumanFormat.Size(s.PartialFiles.Sum(p => p.SizeBytes))}), "
                + (stale.Count == 0 ? "all being written" : $"{HumanFormat.Count(stale.Count)} left by interrupted runs (the next backup removes them): "
                    + string.Join(", ", stale.Select(p => HumanFormat.Name(p.Name))))));
        }
        foreach (var ignored in s.Ignored)
            fields.Add(("Not a backup", $"{HumanFormat.Name(ignored.Name)}: {HumanFormat.Name(ignored.Reason)}"));
        var width = fields.Max(f => f.Item1.Length) + 1;
        foreach (var (label, value) in fields)
            output.Result((label + ":").PadRight(width + 1) + value);
    }

    private static string Describe(FailedAttempt? f)
        => f is null ? "none"
            : $"{HumanFormat.Time(f.At)} UTC {f.Operation}{(f.Source is null ? "" : " of " + HumanFormat.Name(f.Source))}{(f.Target is null ? "" : " into " + HumanFormat.Name(f.Target))}: {f.ErrorId}: {HumanFormat.Name(f.Message)}";

    private static string Describe(BackupRecord? b)
        => b is null ? "none" : $"{HumanFormat.Name(b.Name)} ({HumanFormat.Time(b.CreatedAt)} UTC, {HumanFormat.Size(b.SizeBytes)})";
}
