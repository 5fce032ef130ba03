namespace RedisBackup.Engine.Errors;

/// <summary>
/// The error ids of the request checks (<see cref="RedisBackupException.ErrorId"/>): what a backup or restore request
/// may be refused for before anything runs. Listed in docs/errors.md. Stable: scripts match on them.
/// </summary>
public static class ErrorIds
{
    /// <summary>A key-level backup without an endpoint.</summary>
    public const string EndpointRequired = "EndpointRequired";

    /// <summary>A container given for a key-level backup (a container backup is a snapshot).</summary>
    public const string ContainerNeedsSnapshot = "ContainerNeedsSnapshot";

    /// <summary>A snapshot with neither a container nor an endpoint.</summary>
    public const string SnapshotSourceRequired = "SnapshotSourceRequired";

    /// <summary>A backup given both a container and an endpoint.</summary>
    public const string ConflictingSource = "ConflictingSource";

    /// <summary>Key filters (exact, match, types, databases) given with a snapshot, which always holds every key.</summary>
    public const string KeyOptionsNeedKeyLevel = "KeyOptionsNeedKeyLevel";

    /// <summary>Retention's keep below 1.</summary>
    public const string InvalidKeep = "InvalidKeep";

    /// <summary>Retention's max age not positive.</summary>
    public const string InvalidMaxAge = "InvalidMaxAge";

    /// <summary>A label that cannot be part of a backup's file name.</summary>
    public const string InvalidBackupLabel = "InvalidBackupLabel";

    /// <summary>A negative database number.</summary>
    public const string InvalidDatabase = "InvalidDatabase";

    /// <summary>A key type that is neither built in nor a module's 9-character type name.</summary>
    public const string InvalidKeyType = "InvalidKeyType";

    /// <summary>A URI database for a snapshot, which always holds every database.</summary>
    public const string DatabaseNeedsKeyLevel = "DatabaseNeedsKeyLevel";

    /// <summary>A URI database and a database list that disagree.</summary>
    public const string ConflictingDatabases = "ConflictingDatabases";

    /// <summary>A restore with neither an endpoint nor a container.</summary>
    public const string RestoreTargetRequired = "RestoreTargetRequired";

    /// <summary>A restore given both a container and an endpoint.</summary>
    public const string ConflictingTarget = "ConflictingTarget";

    /// <summary>Key filters given with a container restore, which swaps the whole file in.</summary>
    public const string FiltersNeedLiveRestore = "FiltersNeedLiveRestore";

    /// <summary>Replace and flush asked for together.</summary>
    public const string ConflictingExistingKeyPolicy = "ConflictingExistingKeyPolicy";

    /// <summary>A URI database and a target database that disagree.</summary>
    public const string ConflictingTargetDatabase = "ConflictingTargetDatabase";

    /// <summary>The backup file to restore does not exist.</summary>
    public const string BackupNotFound = "BackupNotFound";
}
