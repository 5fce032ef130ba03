using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Completion;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>
/// New-RedisBackup: takes one backup into a catalog directory. Key-level from a server (the default), or an RDB
/// snapshot out of a Docker container (-Container) or over replication (-Kind Snapshot with an endpoint).
/// Wrong arguments stop it (terminating); a backup that fails is a non-terminating error, so -ErrorAction decides.
/// </summary>
[Cmdlet(VerbsCommon.New, "RedisBackup", SupportsShouldProcess = true, DefaultParameterSetName = EndpointSet)]
[OutputType(typeof(BackupRecord))]
public sealed class NewRedisBackupCommand : RedisBackupCmdlet
{
    private const string EndpointSet = "Endpoint";
    private const string ContainerSet = "Container";

    [Parameter(Mandatory = true, ParameterSetName = ContainerSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string Container { get; set; } = "";

    [Parameter(ParameterSetName = EndpointSet)]
    [ValidateNotNullOrEmpty]
    public string? HostName { get; set; }

    [Parameter(ParameterSetName = EndpointSet)]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    [Parameter(ParameterSetName = EndpointSet)]
    [ValidateNotNullOrEmpty]
    public string? Uri { get; set; }

    /// <summary>The Redis user and password; with -Container they reach the redis-cli inside it through its environment.</summary>
    [Parameter(ParameterSetName = EndpointSet)]
    [Parameter(ParameterSetName = ContainerSet)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    [Parameter(ParameterSetName = EndpointSet)]
    public SwitchParameter UseTls { get; set; }

    [Parameter(ParameterSetName = EndpointSet)]
    [ValidateNotNullOrEmpty]
    public string? TlsCaFile { get; set; }

    [Parameter(ParameterSetName = EndpointSet)]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>A PEM client certificate for mutual TLS (implies -UseTls).</summary>
    [Parameter(ParameterSetName = EndpointSet)]
    [ValidateNotNullOrEmpty]
    public string? TlsCertificatePath { get; set; }

    /// <summary>The PEM private key of the client certificate.</summary>
    [Parameter(ParameterSetName = EndpointSet)]
    [ValidateNotNullOrEmpty]
    public string? TlsKeyPath { get; set; }

    /// <summary>The name checked against the server certificate (default: the host).</summary>
    [Parameter(ParameterSetName = EndpointSet)]
    [ValidateNotNullOrEmpty]
    public string? TlsServerName { get; set; }

    /// <summary>Key-level: the databases to back up (default: every database that holds keys).</summary>
    [Parameter(ParameterSetName = EndpointSet)]
    [ValidateRange(0, int.MaxValue)]
    public int[]? Database { get; set; }

    [Parameter(ParameterSetName = EndpointSet)]
    public BackupKind Kind { get; set; } = BackupKind.KeyLevel;

    [Parameter(ParameterSetName = EndpointSet)]
    public SwitchParameter Exact { get; set; }

    [Parameter(ParameterSetName = EndpointSet)]
    [ValidateNotNullOrEmpty]
    public string? Match { get; set; }

    /// <summary>Key-level: only keys of these types (string, hash, list, set, zset, stream, or a module's 9-character type name).</summary>
    [Parameter(ParameterSetName = EndpointSet)]
    [ValidateNotNullOrEmpty]
    [ValidateKeyType]
    [ArgumentCompleter(typeof(KeyTypeCompleter))]
    public string[]? Type { get; set; }

    [Parameter]
    public SwitchParameter Compress { get; set; }

    /// <summary>The catalog directory (default: REDISBACKUP_PATH, else ./backups/redis).</summary>
    [Parameter]
    [Alias("Directory")]
    [ValidateNotNullOrEmpty]
    public string? CatalogPath { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Keep { get; set; }

    /// <summary>A TimeSpan, or a number of days (-MaxAge 90).</summary>
    [Parameter]
    [DaysTransformation]
    public TimeSpan? MaxAge { get; set; }

    /// <summary>Apply -Keep/-MaxAge even when the new backup holds no keys, or fewer than half of the previous backup of its source.</summary>
    [Parameter]
    public SwitchParameter AllowShrink { get; set; }

    [Parameter]
    [ValidatePattern("^[A-Za-z0-9_-]+$")]
    public string? Label { get; set; }

    /// <summary>The backups retention would remove, listed under the steps (what -WhatIf prints).</summary>
    private static string DescribeRetention(BackupPlan plan)
    {
        if (plan.FindStep(PlanStepIds.Retention) is null) return "";
        if (plan.RetentionWouldRemove.Count == 0) return Environment.NewLine + "  Retention would remove no backup.";
        return Environment.NewLine + "  Retention would remove:" + string.Concat(plan.RetentionWouldRemove.Select(b => Environment.NewLine + "    " + b.Path));
    }

    protected override void ProcessRecord()
    {
        BackupPlan plan;
        try
        {
            var connection = Connection(ParameterSetName == ContainerSet ? Container : null, HostName, Port, Uri, Credential, UseTls, TlsCaFile, SkipCertificateCheck,
                TlsCertificatePath, TlsKeyPath, TlsServerName);
            var request = RequestFactory.Backup(connection, new BackupValues
            {
                Kind = Kind,
                Directory = ResolveCatalogDirectory(CatalogPath),
                Databases = Database,
                Match = Match,
                Types = Type,
                Exact = Exact.IsPresent,
                Compress = Compress.IsPresent,
                Keep = Keep,
                MaxAge = MaxAge,
                Label = Label,
                AllowShrink = AllowShrink.IsPresent,
            });
            plan = BackupOperation.Prepare(request);
        }
        catch (RedisBackupException ex)
        {
            ThrowArgumentError(ex); // the arguments themselves are wrong: nothing this cmdlet could do would succeed
            return;
        }

        var planned = plan.Request;
        var source = planned.Container is not null ? $"container '{planned.Container}'" : planned.Endpoint!.ToString();
        if (!ShouldProcess(DescribeSteps($"Back up {source} into {planned.Directory}", plan) + DescribeRetention(plan),
                DescribeSteps($"Back up {source} into {planned.Directory}?", plan) + DescribeRetention(plan), "Back up Redis"))
            return;

        try
        {
            var outcome = RunEngine((progress, ct) => BackupOperation.RunAsync(plan, progress, ct));
            if (outcome.RetentionHeldBack is { } held) WriteWarning(held);
            if (outcome.FunctionsNotCaptured is { } functions) WriteWarning("Function libraries not backed up: " + functions);
            WriteObject(BackupRecord.From(outcome.Backup));
        }
        catch (RedisBackupException ex)
        {
            WriteEngineError(ex, planned.Container is not null ? "container:" + planned.Container : planned.Endpoint!.ToString());
        }
    }
}
