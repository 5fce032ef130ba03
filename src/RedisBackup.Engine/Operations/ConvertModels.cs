namespace RedisBackup.Engine.Operations;

/// <summary>A request to convert one backup (an RDB snapshot, or an exact or logical key-level backup) into a logical key-level backup.</summary>
public sealed record ConvertRequest
{
    /// <summary>The backup file to convert.</summary>
    public required string Path { get; init; }

    /// <summary>Catalog directory for the new backup; null means REDISBACKUP_PATH or ./backups/redis.</summary>
    public string? Directory { get; init; }

    /// <summary>Skip the integrity check of the source that otherwise runs first.</summary>
    public bool SkipVerify { get; init; }
}
