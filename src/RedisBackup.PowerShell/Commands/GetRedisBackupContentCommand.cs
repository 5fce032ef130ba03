using System.Management.Automation;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Completion;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>
/// Get-RedisBackupContent: what each backup holds, without restoring it: keys per database and type, keys with TTLs,
/// the biggest keys, functions, module types and the server version that wrote it. Emits one BackupContent per file;
/// a file that cannot be read is a non-terminating error.
/// </summary>
[Cmdlet(VerbsCommon.Get, "RedisBackupContent", DefaultParameterSetName = PathSet)]
[OutputType(typeof(BackupContent))]
public sealed class GetRedisBackupContentCommand : RedisBackupCmdlet
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

    /// <summary>How many of the biggest keys to list (0 for none).</summary>
    [Parameter]
    [ValidateRange(0, 100_000)]
    public int Top { get; set; } = InspectOperation.DefaultTop;

    protected override void ProcessRecord()
    {
        IEnumerable<string> paths = ParameterSetName switch
        {
            ObjectSet => InputObject.Select(b => b.Path),
            PathSet => ResolveFilePaths(Path, literal: false),
            LiteralSet => ResolveFilePaths(LiteralPath, literal: true),
            _ => ResolveNames(Name, ResolveCatalogDirectory(CatalogPath)),
        };
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
