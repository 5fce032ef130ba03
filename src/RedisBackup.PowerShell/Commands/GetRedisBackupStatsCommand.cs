using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>
/// Get-RedisBackupStats: counts, sizes, the newest verified backup, free space, the last failure and failed restore of a
/// catalog; partial files left by interrupted runs and entries that are not backups are also warned about.
/// </summary>
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
            var stats = new BackupCatalog(directory).GetStats();
            var stale = stats.PartialFiles.Where(p => p.Stale).Select(p => p.Name).ToList();
            if (stale.Count > 0)
                WriteWarning($"{stale.Count} partial file(s) left by interrupted runs in {directory} (the next backup removes them): {string.Join(", ", stale)}");
            foreach (var ignored in stats.Ignored)
                WriteWarning($"'{ignored.Name}' in {directory} is named like a backup but is not listed: it is {ignored.Reason}.");
            WriteObject(CatalogStats.From(stats));
        }
        catch (RedisBackupException ex)
        {
            WriteEngineError(ex, directory);
        }
    }
}
