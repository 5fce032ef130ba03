using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>
/// Copy-RedisBackup: copies backups (with their sidecar files) to a directory or file and checks the copy's
/// SHA-256. Emits the copy. An existing file is only overwritten after confirmation or with -Force.
/// </summary>
[Cmdlet(VerbsCommon.Copy, "RedisBackup", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(BackupRecord))]
public sealed class CopyRedisBackupCommand : BackupFileCmdlet
{
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
        var paths = ResolveBackupFiles();
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
