using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.PowerShell.Completion;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>Remove-RedisBackup: deletes backups and their sidecar files from a catalog.</summary>
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

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackupNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>The catalog directory that holds the named backups (default: REDISBACKUP_PATH, else ./backups/redis).</summary>
    [Parameter(ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    public string? Directory { get; set; }

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
        IEnumerable<(string Directory, string Name)> targets = ParameterSetName switch
        {
            ObjectSet => InputObject.Select(b => RequestFactory.SplitBackupPath(b.Path)),
            PathSet => ResolveFilePaths(Path, literal: false).Select(RequestFactory.SplitBackupPath),
            LiteralSet => ResolveFilePaths(LiteralPath, literal: true).Select(RequestFactory.SplitBackupPath),
            _ => Name.Select(n => (ResolveCatalogDirectory(Directory), n)),
        };
        foreach (var (directory, name) in targets) RemoveOne(directory, name);
    }

    private void RemoveOne(string directory, string name)
    {
        var target = System.IO.Path.Combine(directory, name);
        if (!ShouldProcess(target, "Remove backup and its metadata files")) return;
        try
        {
            var removed = new BackupCatalog(directory).Remove(name);
            WriteVerbose($"Removed {removed.Path}");
            if (PassThru) WriteObject(removed);
        }
        catch (Exception ex) when (TryWriteError(ex, target))
        {
        }
    }
}
