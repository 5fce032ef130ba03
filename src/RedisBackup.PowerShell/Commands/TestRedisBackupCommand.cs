using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>Test-RedisBackup: recomputes each backup's checksum and checks its structure; emits one result per file.</summary>
[Cmdlet(VerbsDiagnostic.Test, "RedisBackup", DefaultParameterSetName = PathSet)]
[OutputType(typeof(VerifyResult))]
public sealed class TestRedisBackupCommand : RedisBackupCmdlet
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

    /// <summary>Also decodes every value (slower), not only the file's structure and checksum.</summary>
    [Parameter]
    public SwitchParameter Deep { get; set; }

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
                var result = RunEngine((progress, ct) => VerifyOperation.RunAsync(path, Deep.IsPresent, progress, ct));
                if (!result.IsValid) WriteVerbose($"{result.Name} failed verification: {string.Join("; ", result.Problems)}");
                WriteObject(result);
            }
            catch (Exception ex) when (TryWriteError(ex, path))
            {
            }
        }
    }
}
