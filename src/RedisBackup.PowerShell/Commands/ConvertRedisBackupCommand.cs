using System.Management.Automation;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>
/// Convert-RedisBackup: turns each backup it gets (an RDB snapshot, or an exact or logical key-level backup) into a
/// logical key-level backup in the catalog (-CatalogPath), offline, and emits the new backup. A backup that cannot be
/// converted is a non-terminating error; the other backups still run.
/// </summary>
[Cmdlet(VerbsData.Convert, "RedisBackup", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(BackupRecord))]
public sealed class ConvertRedisBackupCommand : BackupFileCmdlet
{
    /// <summary>The catalog the converted backup goes into (default: REDISBACKUP_PATH, else ./backups/redis); with -Name, also where the names are looked up.</summary>
    [Parameter]
    [Alias("Directory")]
    [ValidateNotNullOrEmpty]
    public new string? CatalogPath { get; set; }

    /// <summary>Skips the integrity check of the source.</summary>
    [Parameter]
    public SwitchParameter SkipVerify { get; set; }

    protected override void ProcessRecord()
    {
        var directory = ResolveCatalogDirectory(CatalogPath);
        var paths = ResolveBackupFiles(directory);
        if (ParameterSetName == NameSet) paths = paths.ToList(); // listed before any conversion adds to the catalog
        foreach (var path in paths) ConvertOne(path, directory);
    }

    private void ConvertOne(string path, string directory)
    {
        try
        {
            var request = new ConvertRequest { Path = path, Directory = directory, SkipVerify = SkipVerify.IsPresent };
            var plan = ConvertOperation.Prepare(request);
            var name = System.IO.Path.GetFileName(path);
            if (!ShouldProcess(DescribeSteps($"Convert {name} into a logical key-level backup in {directory}", plan), $"Convert {name} into a logical key-level backup in {directory}?", "Convert a Redis backup"))
                return;
            WriteObject(BackupRecord.From(RunEngine((progress, ct) => ConvertOperation.RunAsync(plan, progress, ct))));
        }
        catch (RedisBackupException ex) when (ex.Kind == ErrorKind.InvalidArgument)
        {
            ThrowArgumentError(ex); // the same arguments would fail every backup
        }
        catch (Exception ex) when (TryWriteError(ex, path))
        {
        }
    }
}
