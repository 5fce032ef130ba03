using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.PowerShell.Completion;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>Get-RedisBackup: lists the backups in a catalog directory, oldest first (newest last).</summary>
[Cmdlet(VerbsCommon.Get, "RedisBackup")]
[OutputType(typeof(BackupRecord))]
public sealed class GetRedisBackupCommand : RedisBackupCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackupNameCompleter))]
    public string? Name { get; set; }

    /// <summary>The catalog directory (default: REDISBACKUP_PATH, else ./backups/redis).</summary>
    [Parameter]
    [Alias("Directory")]
    [ValidateNotNullOrEmpty]
    public string? CatalogPath { get; set; }

    [Parameter]
    public BackupKind? Kind { get; set; }

    /// <summary>Only the newest N backups (still listed oldest first).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Latest { get; set; }

    protected override void ProcessRecord()
    {
        var directory = ResolveCatalogDirectory(CatalogPath);
        var named = Name is not null && !WildcardPattern.ContainsWildcardCharacters(Name);
        try
        {
            var catalog = new BackupCatalog(directory);
            if (named)
            {
                var one = catalog.Get(Name!);
                if (Kind is null || one.Kind == Kind) WriteObject(BackupRecord.From(one));
                return;
            }
            foreach (var backup in catalog.List(Name, Kind, Latest)) WriteObject(BackupRecord.From(backup));
        }
        catch (RedisBackupException ex)
        {
            // Like Get-Item and Get-ChildItem: a named thing that is missing or not valid is a non-terminating error.
            WriteEngineError(ex, named ? System.IO.Path.Combine(directory, Name!) : directory);
        }
    }
}
