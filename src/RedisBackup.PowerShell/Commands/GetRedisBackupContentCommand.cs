using System.Management.Automation;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>
/// Get-RedisBackupContent: what each backup holds, without restoring it: keys per database and type, keys with TTLs,
/// the biggest keys, functions, module types and the server version that wrote it. Emits one BackupContent per file;
/// a file that cannot be read is a non-terminating error.
/// </summary>
[Cmdlet(VerbsCommon.Get, "RedisBackupContent", DefaultParameterSetName = PathSet)]
[OutputType(typeof(BackupContent))]
public sealed class GetRedisBackupContentCommand : BackupFileCmdlet
{
    /// <summary>How many of the biggest keys to list (0 for none).</summary>
    [Parameter]
    [ValidateRange(0, 100_000)]
    public int Top { get; set; } = InspectOperation.DefaultTop;

    protected override void ProcessRecord()
    {
        var paths = ResolveBackupFiles();
        foreach (var path in paths)
        {
            try
            {
                var content = RunEngine((progress, ct) => InspectOperation.RunAsync(path, Top, progress, ct));
                if (content.Note is not null) WriteWarning($"{content.Name} was read in part: {content.Note}.");
                WriteObject(BackupContent.From(content));
            }
            catch (Exception ex) when (TryWriteError(ex, path))
            {
            }
        }
    }
}
