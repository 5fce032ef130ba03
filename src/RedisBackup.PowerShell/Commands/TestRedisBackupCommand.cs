using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Completion;
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

    /// <summary>Also decodes every value (slower), not only the file's structure and checksum.</summary>
    [Parameter]
    public SwitchParameter Deep { get; set; }

    /// <summary>
    /// Makes a part of the file that could not be checked a failure (IsValid false): an RDB written by a server newer than
    /// this version of RedisBackup, which is otherwise valid at Level Partial when its checksum matches.
    /// </summary>
    [Parameter]
    public SwitchParameter Strict { get; set; }

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
                var result = RunEngine((progress, ct) => VerifyOperation.RunAsync(path, Deep.IsPresent, Strict.IsPresent, progress, ct));
                if (!result.IsValid) WriteVerbose($"{result.Name} failed verification: {string.Join("; ", result.Problems)}");
                else if (result.Level == VerificationLevel.Partial)
                    WriteWarning($"{result.Name} is verified in part: {result.Note}. -Strict makes this a failure.");
                WriteObject(VerifyResult.From(result));
            }
            catch (Exception ex) when (TryWriteError(ex, path))
            {
            }
        }
    }
}
