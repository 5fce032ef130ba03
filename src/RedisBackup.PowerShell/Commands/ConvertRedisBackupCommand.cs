using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>
/// Convert-RedisBackup: turns each backup it gets (an RDB snapshot, or an exact or logical key-level backup) into a
/// logical key-level backup in a catalog, offline, and emits the new backup.
/// </summary>
[Cmdlet(VerbsData.Convert, "RedisBackup", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(BackupRecord))]
public sealed class ConvertRedisBackupCommand : RedisBackupCmdlet
{
    private const string ObjectSet = "InputObject";
    private const string PathSet = "Path";
    private const string LiteralSet = "LiteralPath";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    [ValidateNotNull]
    public BackupRecord[] InputObject { get; set; } = [];

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralSet)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>The catalog directory the new backup goes into (default: REDISBACKUP_PATH, else ./backups/redis).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>Skips the integrity check of the source.</summary>
    [Parameter]
    public SwitchParameter SkipVerify { get; set; }

    protected override void ProcessRecord()
    {
        IEnumerable<string> paths = ParameterSetName switch
        {
            ObjectSet => InputObject.Select(b => b.Path),
            PathSet => ResolveFilePaths(Path, literal: false),
            _ => ResolveFilePaths(LiteralPath, literal: true),
        };
        var directory = ResolveCatalogDirectory(Destination);
        foreach (var path in paths)
        {
            try
            {
                var request = new ConvertRequest { Path = path, Directory = directory, SkipVerify = SkipVerify.IsPresent };
                var steps = ConvertOperation.Plan(request);
                var name = System.IO.Path.GetFileName(path);
                if (!ShouldProcess(DescribeSteps($"Convert {name} into a logical key-level backup in {directory}", steps), $"Convert {name}?", "Convert-RedisBackup")) continue;
                WriteObject(RunEngine((progress, ct) => ConvertOperation.RunAsync(request, progress, ct)));
            }
            catch (RedisBackupException ex) when (ex.Kind == ErrorKind.InvalidArgument)
            {
                ThrowEngineError(ex, path);
            }
            catch (Exception ex) when (TryWriteError(ex, path))
            {
            }
        }
    }
}
