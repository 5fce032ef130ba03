using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>Get-RedisBackupStats: counts, sizes, the newest verified backup, free space and the last failure of a catalog.</summary>
[Cmdlet(VerbsCommon.Get, "RedisBackupStats")]
[OutputType(typeof(CatalogStats))]
public sealed class GetRedisBackupStatsCommand : RedisBackupCmdlet
{
    /// <summary>The catalog directory (default: REDISBACKUP_PATH, else ./backups/redis).</summary>
    [Parameter(Position = 0)]
    [Alias("Directory")]
    [ValidateNotNullOrEmpty]
    public string? CatalogPath { get; set; }

    protected override void ProcessRecord()
    {
        var directory = ResolveCatalogDirectory(CatalogPath);
        try
        {
            WriteObject(CatalogStats.From(new BackupCatalog(directory).GetStats()));
        }
        catch (RedisBackupException ex)
        {
            WriteEngineError(ex, directory);
        }
    }
}
