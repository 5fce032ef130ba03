using System.Management.Automation;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Completion;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>
/// Restore-RedisBackup: restores backups into a live server (keys written, nothing restarted) or into a Docker
/// container (snapshot swapped in, container restarted). The backup comes from the pipeline, -Path, -LiteralPath or
/// -Name (in the catalog -CatalogPath). Wrong arguments stop it; a backup that cannot be restored, or whose keys
/// partly failed (RestoreIncomplete), is a non-terminating error and the other backups still run.
/// </summary>
[Cmdlet(VerbsData.Restore, "RedisBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = PathToEndpoint)]
[OutputType(typeof(RestoreResult))]
public sealed class RestoreRedisBackupCommand : RedisBackupCmdlet
{
    private const string ObjectToEndpoint = "InputObject";
    private const string ObjectToContainer = "InputObjectToContainer";
    private const string PathToEndpoint = "Path";
    private const string PathToContainer = "PathToContainer";
    private const string LiteralToEndpoint = "LiteralPath";
    private const string LiteralToContainer = "LiteralPathToContainer";
    private const string NameToEndpoint = "Name";
    private const string NameToContainer = "NameToContainer";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectToEndpoint)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectToContainer)]
    [ValidateNotNull]
    public BackupRecord[] InputObject { get; set; } = [];

    /// <summary>Backup files; strings piped in bind here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathToEndpoint)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathToContainer)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralToEndpoint)]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralToContainer)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Names of backups in the catalog (-CatalogPath); wildcards match several.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NameToEndpoint)]
    [Parameter(Mandatory = true, ParameterSetName = NameToContainer)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(BackupNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>The catalog: where -Name is looked up, and where a container restore's safety snapshot goes.</summary>
    [Parameter(ParameterSetName = NameToEndpoint)]
    [Parameter(ParameterSetName = NameToContainer)]
    [Parameter(ParameterSetName = ObjectToContainer)]
    [Parameter(ParameterSetName = PathToContainer)]
    [Parameter(ParameterSetName = LiteralToContainer)]
    [Alias("Directory")]
    [ValidateNotNullOrEmpty]
    public string? CatalogPath { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ObjectToContainer)]
    [Parameter(Mandatory = true, ParameterSetName = PathToContainer)]
    [Parameter(Mandatory = true, ParameterSetName = LiteralToContainer)]
    [Parameter(Mandatory = true, ParameterSetName = NameToContainer)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string Container { get; set; } = "";

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    [ValidateNotNullOrEmpty]
    public string? HostName { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    [ValidateNotNullOrEmpty]
    public string? Uri { get; set; }

    /// <summary>The Redis user and password; with -Container they reach the redis-cli inside it through its environment.</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    [Parameter(ParameterSetName = ObjectToContainer)]
    [Parameter(ParameterSetName = PathToContainer)]
    [Parameter(ParameterSetName = LiteralToContainer)]
    [Parameter(ParameterSetName = NameToContainer)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    public SwitchParameter UseTls { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    [ValidateNotNullOrEmpty]
    public string? TlsCaFile { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>A PEM client certificate for mutual TLS (implies -UseTls).</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    [ValidateNotNullOrEmpty]
    public string? TlsCertificatePath { get; set; }

    /// <summary>The PEM private key of the client certificate.</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    [ValidateNotNullOrEmpty]
    public string? TlsKeyPath { get; set; }

    /// <summary>The name checked against the server certificate (default: the host).</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    [ValidateNotNullOrEmpty]
    public string? TlsServerName { get; set; }

    /// <summary>Put every key into this database instead of the one it came from.</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    [Alias("Database")]
    [ValidateRange(0, int.MaxValue)]
    public int? ToDatabase { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    public SwitchParameter Replace { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    public SwitchParameter Flush { get; set; }

    /// <summary>Skips the extra confirmation that -Flush asks for.</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    public SwitchParameter Force { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    public TtlMode TtlMode { get; set; } = TtlMode.Absolute;

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    public SwitchParameter FailFast { get; set; }

    /// <summary>Refuses to restore hash field TTLs into a server that cannot keep them, instead of dropping them with a warning.</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    public SwitchParameter RequireFieldTtl { get; set; }

    /// <summary>Restores only the keys of these source databases (live restores).</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    [ValidateRange(0, int.MaxValue)]
    public int[]? SourceDatabase { get; set; }

    /// <summary>Restores only the keys matching this glob pattern, as Redis's SCAN MATCH matches.</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    [ValidateNotNullOrEmpty]
    public string? Match { get; set; }

    /// <summary>Restores only the keys of these types (string, hash, list, set, zset, stream, a module type name, or module).</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Parameter(ParameterSetName = NameToEndpoint)]
    [ValidateNotNullOrEmpty]
    [ValidateKeyType(AllowModule = true)]
    [ArgumentCompleter(typeof(KeyTypeCompleter))]
    public string[]? Type { get; set; }

    [Parameter(ParameterSetName = ObjectToContainer)]
    [Parameter(ParameterSetName = PathToContainer)]
    [Parameter(ParameterSetName = LiteralToContainer)]
    [Parameter(ParameterSetName = NameToContainer)]
    public SwitchParameter SkipSafetySnapshot { get; set; }

    [Parameter]
    public SwitchParameter SkipVerify { get; set; }

    private bool _yesToAllFlush;
    private bool _noToAllFlush;

    private bool ToContainer => ParameterSetName is ObjectToContainer or PathToContainer or LiteralToContainer or NameToContainer;

    protected override void ProcessRecord()
    {
        IEnumerable<string> paths = ParameterSetName switch
        {
            ObjectToEndpoint or ObjectToContainer => InputObject.Select(b => b.Path),
            PathToEndpoint or PathToContainer => ResolveFilePaths(Path, literal: false),
            LiteralToEndpoint or LiteralToContainer => ResolveFilePaths(LiteralPath, literal: true),
            _ => ResolveNames(Name, ResolveCatalogDirectory(CatalogPath)),
        };
        foreach (var path in paths) RestoreOne(path);
    }

    private void RestoreOne(string path)
    {
        RestoreRequest request;
        RestorePlan plan;
        try
        {
            var connection = Connection(ToContainer ? Container : null, HostName, Port, Uri, Credential, UseTls, TlsCaFile, SkipCertificateCheck, TlsCertificatePath, TlsKeyPath, TlsServerName);
            request = RequestFactory.Restore(path, connection, new RestoreValues
            {
                Replace = Replace.IsPresent,
                Flush = Flush.IsPresent,
                TtlMode = TtlMode,
                ToDatabase = ToDatabase,
                FailFast = FailFast.IsPresent,
                RequireFieldTtl = RequireFieldTtl.IsPresent,
                SourceDatabases = SourceDatabase,
                Match = Match,
                Types = Type,
                SkipVerify = SkipVerify.IsPresent,
                SkipSafetySnapshot = SkipSafetySnapshot.IsPresent,
                SafetySnapshotDirectory = ToContainer ? ResolveCatalogDirectory(CatalogPath) : null,
            });
            plan = RestoreOperation.Prepare(request);
            request = plan.Request;
        }
        catch (RedisBackupException ex) when (ex.Kind == ErrorKind.InvalidArgument)
        {
            ThrowArgumentError(ex); // the same arguments would fail every backup
            return;
        }
        catch (Exception ex) when (TryWriteError(ex, path))
        {
            return;
        }

        var target = request.Container is not null ? $"container '{request.Container}'" : RestoreOperation.TargetText(request);
        var name = System.IO.Path.GetFileName(path);
        if (!ShouldProcess(DescribeSteps($"Restore {name} into {target}", plan),
                DescribeSteps($"Restore {name} into {target}? This changes the data in {target}.", plan), "Restore a Redis backup"))
            return;
        if (request.Options.ExistingKeys == ExistingKeyPolicy.Flush && !Force
            && !ShouldContinue($"-Flush empties every database that {name} restores into on {target} (FLUSHDB) before writing. Keys not in the backup are lost. Continue?",
                "Empty the target databases", ref _yesToAllFlush, ref _noToAllFlush))
            return;

        RestoreResult result;
        try
        {
            result = RestoreResult.From(RunEngine((progress, ct) => RestoreOperation.RunAsync(plan, progress, ct)));
        }
        catch (Exception ex) when (TryWriteError(ex, path))
        {
            return;
        }
        WriteRestoreWarnings(result);
        WriteObject(result);
        if (result.Failed > 0 || result.Functions is { Failed: > 0 }) WriteError(Incomplete(result, path));
    }

    /// <summary>
    /// Keys or function libraries that failed make the restore an error, as the CLI's exit code 1 does: $? is false and
    /// -ErrorAction applies.
    /// </summary>
    private static ErrorRecord Incomplete(RestoreResult result, string path)
    {
        var parts = new List<string>(2);
        if (result.Failed > 0)
        {
            var first = result.Failures.FirstOrDefault();
            parts.Add($"{result.Failed:N0} of {result.Total:N0} keys of {result.Backup} could not be restored into {result.Target}"
                      + (first is null ? "." : $"; the first: key '{first.Key}' (db {first.Database}): {first.Reason.TrimEnd('.')}.")
                      + $" {result.Restored:N0} keys were restored; the result's Failures property lists the failed keys.");
        }
        if (result.Functions is { Failed: > 0 } functions)
        {
            var first = functions.Failures.FirstOrDefault();
            parts.Add($"{functions.Failed:N0} of {functions.Libraries:N0} function libraries of {result.Backup} could not be restored into {result.Target}"
                      + (first is null ? "." : $"; the first: '{first.Library}': {first.Reason.TrimEnd('.')}.")
                      + " The result's Functions property lists them.");
        }
        return ErrorMapping.ForItem(new RedisBackupException(ErrorKind.WriteFailed, ErrorIds.RestoreIncomplete, string.Join(" ", parts), path), path);
    }

    /// <summary>What the restore left out of the keys it wrote (hash field TTLs, stream details the target cannot keep), as warnings.</summary>
    private void WriteRestoreWarnings(RestoreResult result)
    {
        WriteFunctionWarnings(result);
        if (result.Replayed > 0)
            WriteVerbose($"{result.Replayed} keys were replayed with commands, decoded from payloads {result.Target} cannot restore (a newer RDB version or the other server family) or too big to hold whole.");
        if (result.FieldTtlsLost > 0)
            WriteWarning($"{result.FieldTtlsLost} hash field TTLs were not kept: {result.Target} has no hash field expiration (Redis 7.4+ or Valkey 9 needed), " +
                         "so those hashes were restored without them. The Warnings property names them (the first 1,000); -RequireFieldTtl refuses such a restore instead.");
        if (result.DetailsNotKept > 0)
            WriteWarning($"{result.DetailsNotKept} details of replayed values were not kept: {result.Target} has no command that sets them (e.g. a stream consumer's seen time). The Warnings property names the keys.");
        if (result.KeysWithWarnings == 0) return;
        const int shown = 10;
        foreach (var warning in result.Warnings.Take(shown))
            WriteWarning($"Key '{warning.Key}' (database {warning.Database}): {warning.Reason}");
        if (result.KeysWithWarnings > shown) WriteWarning($"... and {result.KeysWithWarnings - shown} more keys (see the Warnings property).");
    }

    /// <summary>The backup's function libraries: counted in the Functions property; skipped and failed ones named as warnings.</summary>
    private void WriteFunctionWarnings(RestoreResult result)
    {
        if (result.Functions is not { } functions) return;
        if (functions.NotSelected > 0)
        {
            WriteWarning($"The backup's {functions.NotSelected} function libraries were not restored: -SourceDatabase, -Match and -Type select keys, and function libraries are not keys " +
                         $"(restore without them to restore the libraries): {string.Join(", ", functions.NotSelectedLibraries)}.");
            return;
        }
        WriteVerbose($"Function libraries: {functions.Restored} of {functions.Libraries} restored ({functions.Method}), {functions.Skipped} skipped, {functions.Failed} failed.");
        if (functions.Skipped > 0)
            WriteWarning($"Function libraries already on {result.Target} were left as they are (-Replace replaces them): {string.Join(", ", functions.SkippedLibraries)}.");
        foreach (var failure in functions.Failures)
            WriteWarning($"Function library '{failure.Library}' could not be restored: {failure.Reason}");
    }
}
