using System.CommandLine;
using RedisBackup.Cli.Options;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Cli.Commands;

/// <summary>redis-backup restore: one <see cref="RestoreRequest"/> → <see cref="RestoreOperation"/> → counts.</summary>
internal sealed class RestoreCommand
{
    private readonly CliHost _host;
    private readonly BackupArgument _backup = new();
    private readonly ConnectionOptions _connection = new();
    private readonly Option<string> _container = new("--container") { Description = "Restore an RDB snapshot into this Docker container (stop, swap the data file, start, check)." };
    private readonly Option<bool> _replace = new("--replace") { Description = "Overwrite keys that already exist (default: skip them)." };
    private readonly Option<bool> _flush = new("--flush") { Description = "Empty each target database (FLUSHDB) first, for an exact copy. Destructive: needs --yes or a confirmation on a terminal." };
    private readonly Option<bool> _yes = new("--yes", "-y") { Description = "Confirm a destructive restore (--flush) without asking." };
    private readonly Option<string> _ttl = new Option<string>("--ttl")
    {
        Description = "absolute: keep the original expiry times and skip keys already expired (default); relative: restore the remaining TTL recorded at backup time, counted from now.",
        HelpName = "absolute|relative",
    }.AcceptOnlyFromAmong("absolute", "relative");
    private readonly Option<int?> _toDb = new("--to-db") { Description = "Put every key into this database instead of the one it came from.", HelpName = "N" };
    private readonly Option<bool> _failFast = new("--fail-fast") { Description = "Stop at the first key that fails (default: report it and go on)." };
    private readonly Option<bool> _requireFieldTtl = new("--require-field-ttl")
    {
        Description = "Refuse, before writing anything, to restore a backup holding hash field TTLs into a server without hash field expiration (older than Redis 7.4 / Valkey 9). Default: restore the fields without them, counted and named.",
    };
    private readonly Option<int[]> _db = new("--db", "-n") { Description = "Restore only the keys of this source database; repeat for more (default: every database).", HelpName = "N" };
    private readonly Option<string> _match = new("--match") { Description = "Restore only the keys matching this glob pattern (as Redis's SCAN MATCH: *, ?, [abc], \\ escapes).", HelpName = "PATTERN" };
    private readonly Option<string[]> _type = new("--type") { Description = "Restore only the keys of this type (string, hash, list, set, zset, stream, a module type name, or module); repeat for more.", HelpName = "TYPE" };
    private readonly Option<bool> _skipVerify = new("--skip-verify") { Description = "Skip the integrity check that otherwise runs before the restore." };
    private readonly Option<bool> _noSafetySnapshot = new("--no-safety-snapshot") { Description = "Container restore: do not snapshot the current data first." };
    private readonly Option<bool> _json = CommonOptions.Json();
    private readonly Option<bool> _quiet = CommonOptions.Quiet();
    private readonly Option<bool> _dryRun = CommonOptions.DryRun();

    public RestoreCommand(CliHost host)
    {
        _host = host;
        Command = new Command("restore", "Restore a backup into a live server (--host/--port/--uri) or a Docker container (--container).");
        _backup.AddTo(Command);
        _connection.AddTo(Command);
        foreach (var option in new Option[] { _container, _replace, _flush, _yes, _ttl, _toDb, _db, _match, _type, _failFast, _requireFieldTtl, _skipVerify, _noSafetySnapshot, _json, _quiet, _dryRun })
            Command.Options.Add(option);
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    /// <summary>The engine request the parsed command line asks for. Reads stdin only for --password-stdin.</summary>
    public RestoreRequest ToRequest(ParseResult result, ICollection<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(result);
        var container = result.GetValue(_container);
        var directory = _backup.Directory(result);
        return RestoreOperation.Check(new RestoreRequest
        {
            Path = _backup.Resolve(result, _host.Environment),
            // With --container only the credentials for its redis-cli apply; a host, port, URI or TLS option reaches the engine, which refuses two targets.
            Endpoint = container is null || _connection.AnyEndpointGiven(result) ? _connection.Build(result, _host, warnings) : null,
            Container = container,
            ContainerCredentials = container is not null && !_connection.AnyEndpointGiven(result) ? _connection.BuildContainerCredentials(result, _host, warnings) : null,
            Options = new RestoreOptions
            {
                ExistingKeys = RestoreOperation.ExistingKeys(result.GetValue(_replace), result.GetValue(_flush)),
                Ttl = result.GetValue(_ttl) == "relative" ? TtlMode.Relative : TtlMode.Absolute,
                TargetDatabase = result.GetValue(_toDb),
                FailFast = result.GetValue(_failFast),
                RequireFieldTtl = result.GetValue(_requireFieldTtl),
                Databases = result.GetValue(_db) is { Length: > 0 } databases ? databases : null,
                Match = result.GetValue(_match),
                Types = result.GetValue(_type) is { Length: > 0 } types ? types : null,
            },
            SkipVerify = result.GetValue(_skipVerify),
            SkipSafetySnapshot = result.GetValue(_noSafetySnapshot),
            SafetySnapshotDirectory = directory is null ? null : BackupCatalog.ResolveDirectory(directory, _host.Environment),
        });
    }

    private Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var output = new CommandOutput(_host, OutputModes.From(result.GetValue(_json), result.GetValue(_quiet)));
        return CommandRunner.RunAsync(output, async () =>
        {
            var warnings = new List<string>();
            // Resolved first: conflicting options (a URI database and a different --to-db) fail before any question is asked.
            var plan = RestoreOperation.Prepare(ToRequest(result, warnings));
            var request = plan.Request;
            foreach (var warning in warnings) output.Warn(warning);

            if (result.GetValue(_dryRun))
            {
                output.Plan("The restore would", plan);
                return ExitCodes.Success;
            }
            if (request.Options.ExistingKeys == ExistingKeyPolicy.Flush && !result.GetValue(_yes))
                await Confirmation.RequireFlushAsync(output, request, cancellationToken).ConfigureAwait(false);

            output.Log($"Redis restore of {Path.GetFileName(request.Path)} into {(request.Container is null ? RestoreOperation.TargetText(request) : $"container '{request.Container}'")}");
            RestoreResult restored;
            using (var progress = output.CreateProgress())
                restored = await RestoreOperation.RunAsync(plan, progress, cancellationToken).ConfigureAwait(false);
            return WriteResult(output, restored);
        }, cancellationToken);
    }

    private static int WriteResult(CommandOutput output, RestoreResult result)
    {
        output.Json(result);
        output.Result($"Restored {HumanFormat.Count(result.Restored)} of {HumanFormat.Count(result.Total)} keys into {result.Target} in {HumanFormat.Duration(result.Duration)}: " +
                      $"{HumanFormat.Count(result.Skipped)} skipped (already there), {HumanFormat.Count(result.Expired)} expired, {HumanFormat.Count(result.Failed)} failed.");
        if (result.Checked is { } proof)
            output.Result($"Checked after the restart: {proof}.");
        if (result.SafetySnapshot is { } safety)
            output.Result($"Safety snapshot of the previous data: {safety.Path}");
        if (result.InterruptedRestoreCopy is { } kept)
            output.Result($"Data file kept by an earlier, interrupted restore, copied into the catalog: {kept.Path}");
        if (result.NotSelected > 0)
            output.Result($"{HumanFormat.Count(result.NotSelected)} keys of the backup were left out by --db, --match or --type.");
        if (result.Replayed > 0)
            output.Result($"{HumanFormat.Count(result.Replayed)} keys were replayed with commands, decoded from payloads the target cannot restore (a newer RDB version or the other server family) or too big to hold whole.");
        const int shown = 10;
        if (result.FieldTtlsKept > 0 || result.FieldTtlsLost > 0 || result.FieldsExpired > 0)
            output.Result($"Hash field TTLs: {HumanFormat.Count(result.FieldTtlsKept)} kept, {HumanFormat.Count(result.FieldTtlsLost)} lost (fields restored without them), " +
                          $"{HumanFormat.Count(result.FieldsExpired)} fields not restored because they had expired.");
        if (result.FieldTtlsLost > 0)
            output.Warn($"{HumanFormat.Count(result.FieldTtlsLost)} hash field TTLs were not kept: {result.Target} has no hash field expiration (Redis 7.4+ or Valkey 9 needed), " +
                        "so those hashes were restored without them (--require-field-ttl refuses such a restore instead).");
        if (result.DetailsNotKept > 0)
            output.Warn($"{HumanFormat.Count(result.DetailsNotKept)} details of replayed values were not kept: {result.Target} has no command that sets them (e.g. a stream consumer's seen time).");
        if (result.KeysWithWarnings > 0)
        {
            output.Warn($"{HumanFormat.Count(result.KeysWithWarnings)} keys were restored with something left out:");
            foreach (var warning in result.Warnings.Take(shown))
                output.Warn($"key '{warning.Key}' (db {warning.Database}): {warning.Reason}");
            if (result.KeysWithWarnings > shown) output.Warn($"… and {HumanFormat.Count(result.KeysWithWarnings - shown)} more keys.");
        }
        if (result.Functions is { NotSelected: > 0 } leftOut)
            output.Warn($"the backup's {HumanFormat.Count(leftOut.NotSelected)} function libraries were not restored: --db, --match and --type select keys, and function libraries are not keys " +
                        $"(restore without them to restore the libraries): {string.Join(", ", leftOut.NotSelectedLibraries)}");
        else if (result.Functions is { } functions)
        {
            output.Result($"Function libraries: {HumanFormat.Count(functions.Restored)} of {HumanFormat.Count(functions.Libraries)} restored ({functions.Method}), " +
                          $"{HumanFormat.Count(functions.Skipped)} skipped (already there), {HumanFormat.Count(functions.Failed)} failed.");
            if (functions.Skipped > 0)
                output.Warn($"function libraries already on {result.Target} were left as they are (--replace replaces them): {string.Join(", ", functions.SkippedLibraries)}");
            foreach (var failure in functions.Failures)
                output.Problem($"function library '{failure.Library}' failed: {failure.Reason}");
        }
        if (result.Success) return ExitCodes.Success;

        foreach (var failure in result.Failures.Take(shown))
            output.Problem($"key '{failure.Key}' (db {failure.Database}) failed: {failure.Reason}");
        if (result.Failed > shown) output.Problem($"… and {HumanFormat.Count(result.Failed - shown)} more failed keys.");
        if (result.Failed > 0) output.Problem($"restore incomplete: {HumanFormat.Count(result.Failed)} of {HumanFormat.Count(result.Total)} keys failed.");
        if (result.Functions is { Failed: > 0 } f)
            output.Problem($"restore incomplete: {HumanFormat.Count(f.Failed)} of {HumanFormat.Count(f.Libraries)} function libraries failed.");
        return ExitCodes.Failed;
    }
}
