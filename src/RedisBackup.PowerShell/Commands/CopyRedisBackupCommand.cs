using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.PowerShell.Completion;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>
/// Copy-RedisBackup: copies backups (with their sidecar files) to a directory or file and checks the copy's
/// SHA-256. Emits the copy. An existing file is only overwritten after confirmation or with -Force.
/// </summary>
[Cmdlet(VerbsCommon.Copy, "RedisBackup", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(BackupRecord))]
public sealed class CopyRedisBackupCommand : RedisBackupCmdlet
{
    private const string ObjectSet = "InputObject";
    private const string PathSet = "Path";
    private const string LiteralSet = "LiteralPath";
    private const string NameSet = "Name";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    [ValidateNotNull]
    public BackupRecord[] InputObject { get; set; } = [];

    /// <summary>Backup files; strings piped in bind here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralSet)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Names of backups in the catalog (-CatalogPath); wildcards match several.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(BackupNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter(ParameterSetName = NameSet)]
    [Alias("Directory")]
    [ValidateNotNullOrEmpty]
    public string? CatalogPath { get; set; }

    /// <summary>A directory (the copy keeps the backup's name) or a file path.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>Overwrites an existing file without asking.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private bool _yesToAll;
    private bool _noToAll;

    protected override void ProcessRecord()
    {
        IEnumerable<string> paths = ParameterSetName switch
        {
            ObjectSet => InputObject.Select(b => b.Path),
            PathSet => ResolveFilePaths(Path, literal: false),
            LiteralSet => ResolveFilePaths(LiteralPath, literal: true),
            _ => ResolveNames(Name, ResolveCatalogDirectory(CatalogPath)),
        };
        var destination = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination);
        foreach (var path in paths) CopyOne(path, destination);
    }

    private void CopyOne(string path, string destination)
    {
        try
        {
            var backup = BackupCatalog.Describe(path);
            var target = RequestFactory.CopyTargetPath(backup.Name, destination, System.IO.Directory.Exists);
            if (!ShouldProcess($"Item: {path} Destination: {target}", "Copy backup and check its checksum")) return;
            var exists = File.Exists(target);
            if (exists && !Force && !ShouldContinue($"'{target}' already exists. Overwrite it with {backup.Name}?", "Overwrite file", ref _yesToAll, ref _noToAll))
                return;
            var copy = BackupCatalog.Copy(backup, target, overwrite: exists);
            WriteObject(BackupRecord.From(copy));
        }
        catch (Exception ex) when (TryWriteError(ex, path))
        {
        }
    }
}
