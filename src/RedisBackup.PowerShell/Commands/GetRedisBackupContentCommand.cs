using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>
/// Get-RedisBackupContent: what each backup holds, without restoring it: keys per database and type, keys with TTLs,
/// the biggest keys, functions, module types and the server version that wrote it. Emits one BackupContent per file.
/// </summary>
[Cmdlet(VerbsCommon.Get, "RedisBackupContent", DefaultParameterSetName = PathSet)]
[OutputType(typeof(BackupContent))]
public sealed class GetRedisBackupContentCommand : RedisBackupCmdlet
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
            _ => ResolveFilePaths(LiteralPath, literal: true),
        };
        foreach (var path in paths)
        {
            try
            {
                var content = RunEngine((progress, ct) => InspectOperation.RunAsync(path, Top, progress, ct));
                if (content.Note is not null) WriteWarning($"{content.Name} was read in part: {content.Note}.");
                WriteObject(content);
            }
            catch (Exception ex) when (TryWriteError(ex, path))
            {
            }
        }
    }
}
