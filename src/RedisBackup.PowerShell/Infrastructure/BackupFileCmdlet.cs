using System.Management.Automation;
using RedisBackup.PowerShell.Completion;

namespace RedisBackup.PowerShell.Infrastructure;

/// <summary>
/// The base of the cmdlets that take backup files in one of four ways: backups piped in (-InputObject), -Path
/// (wildcards; strings piped in bind here), -LiteralPath, or -Name in the catalog -CatalogPath. It declares those
/// parameters, with their parameter sets, and resolves them into the backup files to work on, one set at a time.
/// </summary>
/// <remarks>
/// PowerShell takes parameters declared here as the derived cmdlet's own. A cmdlet whose -CatalogPath means more than
/// where -Name is looked up declares its own with <c>new</c>; the one declared lowest in the hierarchy is the one bound.
///
/// Remove-RedisBackup and Restore-RedisBackup take backups the same four ways but do not derive from this. Remove binds
/// piped strings and position 0 to -Name (its default set), not to -Path: it would redeclare -Name, -Path and
/// -CatalogPath, and PowerShell lists a derived class's parameters before its base's, so its parameter sets and syntax
/// would come out in another order (tried: `Get-Command -Syntax` and the generated help changed). Restore has each of
/// the four inputs twice, to an endpoint and to a container (eight parameter sets), which these single-set
/// declarations cannot express.
/// </remarks>
public abstract class BackupFileCmdlet : RedisBackupCmdlet
{
    protected const string ObjectSet = "InputObject";
    protected const string PathSet = "Path";
    protected const string LiteralSet = "LiteralPath";
    protected const string NameSet = "Name";

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

    /// <summary>
    /// The backup files of this record's input, by parameter set. -Name is looked up in <paramref name="catalogDirectory"/>
    /// when given, else in -CatalogPath resolved when the names are.
    /// </summary>
    protected IEnumerable<string> ResolveBackupFiles(string? catalogDirectory = null) => ParameterSetName switch
    {
        ObjectSet => InputObject.Select(b => b.Path),
        PathSet => ResolveFilePaths(Path, literal: false),
        LiteralSet => ResolveFilePaths(LiteralPath, literal: true),
        _ => ResolveNames(Name, catalogDirectory ?? ResolveCatalogDirectory(CatalogPath)),
    };
}
