using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Completion;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>
/// Restore-RedisBackup: restores backups into a live server (keys written, nothing restarted) or into a Docker
/// container (snapshot swapped in, container restarted). The backup comes from the pipeline, -Path or -LiteralPath.
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

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectToEndpoint)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectToContainer)]
    [ValidateNotNull]
    public BackupRecord[] InputObject { get; set; } = [];

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = PathToEndpoint)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = PathToContainer)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralToEndpoint)]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralToContainer)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = ObjectToContainer)]
    [Parameter(Mandatory = true, ParameterSetName = PathToContainer)]
    [Parameter(Mandatory = true, ParameterSetName = LiteralToContainer)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string Container { get; set; } = "";

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [ValidateNotNullOrEmpty]
    public string? HostName { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [ValidateNotNullOrEmpty]
    public string? Uri { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    public SwitchParameter UseTls { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [ValidateNotNullOrEmpty]
    public string? TlsCaFile { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>Put every key into this database instead of the one it came from.</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [Alias("Database")]
    [ValidateRange(0, int.MaxValue)]
    public int? ToDatabase { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    public SwitchParameter Replace { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    public SwitchParameter Flush { get; set; }

    /// <summary>Skips the extra confirmation that -Flush asks for.</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    public SwitchParameter Force { get; set; }

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    public TtlMode TtlMode { get; set; } = TtlMode.Absolute;

    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    public SwitchParameter FailFast { get; set; }

    /// <summary>Refuses to restore hash field TTLs into a server that cannot keep them, instead of dropping them with a warning.</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    public SwitchParameter RequireFieldTtl { get; set; }

    /// <summary>Restores only the keys of these source databases (live restores).</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [ValidateRange(0, int.MaxValue)]
    public int[]? SourceDatabase { get; set; }

    /// <summary>Restores only the keys matching this glob pattern, as Redis's SCAN MATCH matches.</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [ValidateNotNullOrEmpty]
    public string? Match { get; set; }

    /// <summary>Restores only the keys of these types (string, hash, list, set, zset, stream, a module type name, or module).</summary>
    [Parameter(ParameterSetName = ObjectToEndpoint)]
    [Parameter(ParameterSetName = PathToEndpoint)]
    [Parameter(ParameterSetName = LiteralToEndpoint)]
    [ValidateNotNullOrEmpty]
    public string[]? Type { get; set; }

    [Parameter(ParameterSetName = ObjectToContainer)]
    [Parameter(ParameterSetName = PathToContainer)]
    [Parameter(ParameterSetName = LiteralToContainer)]
    public SwitchParameter SkipSafetySnapshot { get; set; }

    /// <summary>Catalog directory for the safety snapshot of a container restore.</summary>
    [Parameter(ParameterSetName = ObjectToContainer)]
    [Parameter(ParameterSetName = PathToContainer)]
    [Parameter(ParameterSetName = LiteralToContainer)]
    [ValidateNotNullOrEmpty]
    public string? SafetySnapshotPath { get; set; }

    [Parameter]
    public SwitchParameter SkipVerify { get; set; }

    private bool _yesToAllFlush;
    private bool _noToAllFlush;

    private bool ToContainer => ParameterSetName is ObjectToContainer or PathToContainer or LiteralToContainer;

    protected override void ProcessRecord()
    {
        IEnumerable<string> paths = ParameterSetName switch
        {
            ObjectToEndpoint or ObjectToContainer => InputObject.Select(b => b.Path),
            PathToEndpoint or PathToContainer => ResolveFilePaths(Path, literal: false),
            _ => ResolveFilePaths(LiteralPath, literal: true),
        };
        foreach (var path in paths) RestoreOne(path);
    }

    private void RestoreOne(string path)
    {
        RestoreRequest request;
        IReadOnlyList<string> steps;
        try
        {
            var connection = Connection(ToContainer ? Container : null, HostName, Port, Uri, Credential, UseTls, TlsCaFile, SkipCertificateCheck);
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
                SafetySnapshotDirectory = ToContainer ? ResolveCatalogDirectory(SafetySnapshotPath) : null,
            });
            steps = RestoreOperation.Plan(request);
        }
        catch (RedisBackupException ex) when (ex.Kind == ErrorKind.InvalidArgument)
        {
            ThrowEngineError(ex, path); // the same bad arguments would fail every item
            return;
        }
        catch (Exception ex) when (TryWriteError(ex, path))
        {
            return;
        }

        var target = request.Container is not null ? $"container '{request.Container}'" : request.Endpoint!.ToString();
        var name = System.IO.Path.GetFileName(path);
        if (!ShouldProcess(DescribeSteps($"Restore {name} into {target}", steps),
                DescribeSteps($"Restore {name} into {target}? This changes the data in {target}.", steps), "Restore-RedisBackup"))
            return;
        if (request.Options.ExistingKeys == ExistingKeyPolicy.Flush && !Force
            && !ShouldContinue($"-Flush empties every database that {name} restores into on {target} (FLUSHDB) before writing. Keys not in the backup are lost. Continue?",
                "Empty the target databases", ref _yesToAllFlush, ref _noToAllFlush))
            return;

        try
        {
            var result = RunEngine((progress, ct) => RestoreOperation.RunAsync(request, progress, ct));
            WriteRestoreWarnings(result);
            WriteObject(result);
        }
        catch (Exception ex) when (TryWriteError(ex, path))
        {
        }
    }

    /// <summary>What the restore left out of the keys it wrote (hash field TTLs, stream details the target cannot keep), as warnings.</summary>
    private void WriteRestoreWarnings(RestoreResult result)
    {
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
}
