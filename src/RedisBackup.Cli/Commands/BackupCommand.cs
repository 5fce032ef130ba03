using System.CommandLine;
using System.Text.Json.Nodes;
using RedisBackup.Cli.Options;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Cli.Commands;

/// <summary>redis-backup backup: one <see cref="BackupRequest"/> → <see cref="BackupOperation"/> → the new backup.</summary>
internal sealed class BackupCommand
{
    private readonly CliHost _host;
    private readonly ConnectionOptions _connection = new();
    private readonly Option<int[]> _db = new("--db", "-n") { Description = "Back up only this database; repeat for more (default: every database that holds keys).", HelpName = "N" };
    private readonly Option<string> _match = new("--match") { Description = "Only keys matching this SCAN MATCH pattern.", HelpName = "PATTERN" };
    private readonly Option<string[]> _type = KeyTypeOption();
    private readonly Option<string> _kind = CommonOptions.Kind("keys: a key-level export (default); rdb: an RDB snapshot (from --container, else over replication from the host).");
    private readonly Option<string> _container = new("--container") { Description = "Snapshot this Docker container (BGSAVE, then copy the RDB file out). Implies --kind rdb.", HelpName = "NAME" };
    private readonly Option<bool> _exact = new("--exact") { Description = "Key-level: store every key as its DUMP payload (exact and fast, but bound to the server's RDB version)." };
    private readonly Option<bool> _compress = new("--compress") { Description = "RDB snapshot: gzip the stored file (key-level files are always gzip)." };
    private readonly Option<string> _dir = CommonOptions.Directory();
    private readonly Option<int?> _keep = new("--keep") { Description = "After a successful backup keep only the newest N backups of the same source and kind (N ≥ 1).", HelpName = "N" };
    private readonly Option<bool> _allowShrink = new("--allow-shrink")
    {
        Description = "Apply --keep/--max-age even when the new backup holds no keys, or fewer than half of the previous backup of its source (by default retention is then held back, with a warning).",
    };
    private readonly Option<TimeSpan?> _maxAge = new("--max-age")
    {
        Description = "After a successful backup remove backups older than this: 90s, 30m (minutes), 12h, 7d, 2w.",
        HelpName = "AGE",
        CustomParser = ParseAge,
    };
    private readonly Option<string> _label = new("--label")
    {
        Description = "A label that becomes part of the new backup's file name (1 to 64 letters, digits, - or _), e.g. pre-upgrade.",
        HelpName = "LABEL",
    };
    private readonly Option<bool> _json = CommonOptions.Json();
    private readonly Option<bool> _quiet = CommonOptions.Quiet();
    private readonly Option<bool> _dryRun = CommonOptions.DryRun();

    public BackupCommand(CliHost host)
    {
        _host = host;
        Command = new Command("backup", "Take a backup into the catalog: a key-level export (default) or an RDB snapshot.");
        _connection.AddTo(Command);
        foreach (var option in new Option[] { _db, _match, _type, _kind, _container, _exact, _compress, _dir, _keep, _maxAge, _allowShrink, _label, _json, _quiet, _dryRun })
            Command.Options.Add(option);
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    /// <summary>The engine request the parsed command line asks for. Pure apart from reading stdin for --password-stdin.</summary>
    public BackupRequest ToRequest(ParseResult result, ICollection<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(result);
        var container = result.GetValue(_container);
        var kind = CommonOptions.ParseKind(result.GetValue(_kind)) ?? (container is null ? BackupKind.KeyLevel : BackupKind.Snapshot);
        var databases = result.GetValue(_db);
        var types = result.GetValue(_type);
        var match = result.GetValue(_match);

        // A container snapshot needs no endpoint, only the credentials for its redis-cli; a host, port, URI or TLS
        // option given anyway reaches the engine, which refuses two sources.
        var needsEndpoint = container is null || _connection.AnyEndpointGiven(result);
        return BackupOperation.Check(new BackupRequest
        {
            Kind = kind,
            Endpoint = needsEndpoint ? _connection.Build(result, _host, warnings) : null,
            Container = container,
            ContainerCredentials = container is not null && !needsEndpoint ? _connection.BuildContainerCredentials(result, _host, warnings) : null,
            Directory = BackupCatalog.ResolveDirectory(result.GetValue(_dir), _host.Environment),
            Databases = databases is { Length: > 0 } ? databases : null,
            Match = match,
            Types = types is { Length: > 0 } ? types : null,
            Exact = result.GetValue(_exact),
            Compress = result.GetValue(_compress),
            Keep = result.GetValue(_keep),
            MaxAge = result.GetValue(_maxAge),
            AllowShrink = result.GetValue(_allowShrink),
            Label = result.GetValue(_label),
        });
    }

    private Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var output = new CommandOutput(_host, OutputModes.From(result.GetValue(_json), result.GetValue(_quiet)));
        return CommandRunner.RunAsync(output, async () =>
        {
            var warnings = new List<string>();
            var plan = BackupOperation.Prepare(ToRequest(result, warnings));
            var request = plan.Request;
            foreach (var warning in warnings) output.Warn(warning);

            if (result.GetValue(_dryRun))
            {
                output.Plan("The backup would", plan);
                return ExitCodes.Success;
            }

            WriteHeader(output, request);
            BackupOutcome outcome;
            using (var progress = output.CreateProgress())
                outcome = await BackupOperation.RunAsync(plan, progress, cancellationToken).ConfigureAwait(false);
            WriteOutcome(output, outcome);
            // Shown even with --quiet: a cron job must hear that its retention stopped (the backup itself succeeded).
            if (outcome.RetentionHeldBack is { } held) output.Host.Error.WriteLine("redis-backup: warning: " + held);
            // Also shown with --quiet: the backup succeeded without the server's function libraries.
            if (outcome.FunctionsNotCaptured is { } functions) output.Host.Error.WriteLine("redis-backup: warning: function libraries not backed up: " + functions);
            return ExitCodes.Success;
        }, cancellationToken);
    }

    private static void WriteHeader(CommandOutput output, BackupRequest request)
    {
        var source = request.Container is not null ? $"container '{request.Container}' (RDB snapshot)"
            : request.Kind == BackupKind.Snapshot ? $"{request.Endpoint} over replication (RDB snapshot)"
            : $"{request.Endpoint} (key-level{(request.Exact ? ", exact" : "")})";
        output.Log("Redis backup");
        output.Log($"  Source:      {source}");
        output.Log($"  Backup dir:  {request.Directory}");
        if (request.Keep is not null) output.Log($"  Keep:        newest {request.Keep}");
        if (request.MaxAge is not null) output.Log($"  Max age:     {HumanFormat.Age(request.MaxAge.Value)}");
    }

    private static void WriteOutcome(CommandOutput output, BackupOutcome outcome)
    {
        var backup = outcome.Backup;
        if (output.IsJson)
        {
            var node = JsonOutput.ToNode(backup).AsObject();
            node["removed"] = new JsonArray(outcome.Removed.Select(r => (JsonNode?)JsonValue.Create(r.Name)).ToArray());
            node["retentionHeldBack"] = outcome.RetentionHeldBack;
            node["functionsNotCaptured"] = outcome.FunctionsNotCaptured;
            node["stalePartialsRemoved"] = new JsonArray(outcome.StalePartialsRemoved.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
            output.Json(node);
            return;
        }
        output.Result($"Backup complete: {backup.Path} ({HumanFormat.Size(backup.SizeBytes)}, {HumanFormat.Count(backup.KeyCount)} keys)");
        if (backup.VerificationLevel == VerificationLevel.Partial)
            output.Warn($"the snapshot is kept, verified in part: {backup.VerificationNote}. The server is newer than this version of RedisBackup.");
        foreach (var removed in outcome.Removed)
            output.Result($"Removed old backup: {HumanFormat.Name(removed.Name)}");
    }

    /// <summary>--type: the engine refuses unknown names (exit 2); completion offers the built-in types.</summary>
    private static Option<string[]> KeyTypeOption()
    {
        var option = new Option<string[]>("--type")
        {
            Description = "Only keys of this type: string, hash, list, set, zset, stream, or a module's 9-character type name (such as ReJSON-RL); repeat for more. Anything else is refused.",
            HelpName = "TYPE",
        };
        option.CompletionSources.Add(KeyTypeNames.BuiltIn.ToArray());
        return option;
    }

    private static TimeSpan? ParseAge(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (DurationParser.TryParse(text, out var age) && age > TimeSpan.Zero) return age;
        result.AddError($"--max-age '{text}' is not a positive age such as 90s, 30m, 12h, 7d or 2w.");
        return null;
    }
}
