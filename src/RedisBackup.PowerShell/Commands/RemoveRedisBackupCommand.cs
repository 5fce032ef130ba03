using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.PowerShell.Completion;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>
/// Remove-RedisBackup: deletes backups and their sidecar files from a catalog. Every target is resolved and checked
/// (a valid name, inside its catalog) before ShouldProcess, so -WhatIf previews exactly what the real run removes.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "RedisBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
[OutputType(typeof(BackupRecord))]
public sealed class RemoveRedisBackupCommand : RedisBackupCmdlet
{
    private const string NameSet = "Name";
    private const string ObjectSet = "InputObject";
    private const string PathSet = "Path";
    private const string LiteralSet = "LiteralPath";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    [ValidateNotNull]
    public BackupRecord[] InputObject { get; set; } = [];

    /// <summary>Names of backups in the catalog (-CatalogPath); wildcards match several; strings piped in bind here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(BackupNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>The catalog directory that holds the named backups (default: REDISBACKUP_PATH, else ./backups/redis).</summary>
    [Parameter(ParameterSetName = NameSet)]
    [Alias("Directory")]
    [ValidateNotNullOrEmpty]
    public string? CatalogPath { get; set; }

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralSet)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Writes each removed backup to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        IEnumerable<string> paths = ParameterSetName switch
        {
            ObjectSet => InputObject.Select(b => b.Path),
            PathSet => ResolveFilePaths(Path, literal: false),
            LiteralSet => ResolveFilePaths(LiteralPath, literal: true),
            _ => ResolveNames(Name, ResolveCatalogDirectory(CatalogPath)),
        };
        foreach (var path in paths) RemoveOne(path);
    }

    private void RemoveOne(string path)
    {
        try
        {
            var (directory, name) = RequestFactory.SplitBackupPath(path);
            var catalog = new BackupCatalog(directory);
            catalog.Remove(name, dryRun: true); // the checks of the real removal, changing nothing
            if (!ShouldProcess(path, "Remove backup and its metadata files")) return;
            var removed = catalog.Remove(name);
            WriteVerbose($"Removed {removed.Path}");
            if (PassThru) WriteObject(BackupRecord.From(removed));
        }
        catch (Exception ex) when (TryWriteError(ex, path))
        {
        }
    }
}
