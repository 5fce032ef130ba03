namespace RedisBackup.Engine.Errors;

/// <summary>
/// Every error id the engine and its two fronts raise (<see cref="RedisBackupException.ErrorId"/>, the CLI's JSON
/// "error.id", PowerShell's FullyQualifiedErrorId), grouped by area. Each value equals its name. Listed with its kind and
/// front in docs/errors.md. Stable: scripts match on them, so an id is never renamed, merged or reused. No id literal
/// lives outside this class (ErrorCatalogTests).
/// </summary>
public static class ErrorIds
{
    // ---- Requests: Checks of a backup or restore request, made once in the engine before anything runs.

    /// <summary>A key-level backup without an endpoint. Kind: InvalidArgument.</summary>
    public const string EndpointRequired = "EndpointRequired";

    /// <summary>A container given for a key-level backup (a container backup is a snapshot). Kind: InvalidArgument.</summary>
    public const string ContainerNeedsSnapshot = "ContainerNeedsSnapshot";

    /// <summary>A snapshot with neither a container nor an endpoint. Kind: InvalidArgument.</summary>
    public const string SnapshotSourceRequired = "SnapshotSourceRequired";

    /// <summary>A backup given both a container and an endpoint. Kind: InvalidArgument.</summary>
    public const string ConflictingSource = "ConflictingSource";

    /// <summary>Key filters (exact, match, types, databases) given with a snapshot, which always holds every key. Kind: InvalidArgument.</summary>
    public const string KeyOptionsNeedKeyLevel = "KeyOptionsNeedKeyLevel";

    /// <summary>Retention's keep below 1 (a request check, and the catalog's retention itself). Kind: InvalidArgument.</summary>
    public const string InvalidKeep = "InvalidKeep";

    /// <summary>Retention's max age not positive (a request check, and the catalog's retention itself). Kind: InvalidArgument.</summary>
    public const string InvalidMaxAge = "InvalidMaxAge";

    /// <summary>A label that cannot be part of a backup's file name. Kind: InvalidArgument.</summary>
    public const string InvalidBackupLabel = "InvalidBackupLabel";

    /// <summary>A negative database number: a backup's databases, a restore's source or target database, a URI's. Kind: InvalidArgument.</summary>
    public const string InvalidDatabase = "InvalidDatabase";

    /// <summary>A key type that is neither built in nor a module's 9-character type name. Kind: InvalidArgument.</summary>
    public const string InvalidKeyType = "InvalidKeyType";

    /// <summary>A URI database for a snapshot, which always holds every database. Kind: InvalidArgument.</summary>
    public const string DatabaseNeedsKeyLevel = "DatabaseNeedsKeyLevel";

    /// <summary>A URI database and a database list that disagree. Kind: InvalidArgument.</summary>
    public const string ConflictingDatabases = "ConflictingDatabases";

    /// <summary>A restore with neither an endpoint nor a container. Kind: InvalidArgument.</summary>
    public const string RestoreTargetRequired = "RestoreTargetRequired";

    /// <summary>A restore given both a container and an endpoint. Kind: InvalidArgument.</summary>
    public const string ConflictingTarget = "ConflictingTarget";

    /// <summary>Key filters given with a container restore, which swaps the whole file in. Kind: InvalidArgument.</summary>
    public const string FiltersNeedLiveRestore = "FiltersNeedLiveRestore";

    /// <summary>Replace and flush asked for together. Kind: InvalidArgument.</summary>
    public const string ConflictingExistingKeyPolicy = "ConflictingExistingKeyPolicy";

    /// <summary>A URI database and a target database that disagree. Kind: InvalidArgument.</summary>
    public const string ConflictingTargetDatabase = "ConflictingTargetDatabase";

    /// <summary>The backup named or the backup file given does not exist (also the cmdlets' id for a FileNotFoundException or DirectoryNotFoundException). Kind: NotFound.</summary>
    public const string BackupNotFound = "BackupNotFound";

    // ---- Fronts: Raised by the command line or the cmdlets themselves, not by the engine.

    /// <summary>The command line does not parse (an unknown option, a missing or malformed value). Kind: InvalidArgument. CLI only.</summary>
    public const string InvalidCommandLine = "InvalidCommandLine";

    /// <summary>A restore with --flush without --yes when standard input is not a terminal. Kind: InvalidArgument. CLI only.</summary>
    public const string ConfirmationRequired = "ConfirmationRequired";

    /// <summary>The user answered no to the --flush confirmation prompt. Kind: InvalidArgument. CLI only.</summary>
    public const string ConfirmationDeclined = "ConfirmationDeclined";

    /// <summary>Both --password and --password-stdin given. Kind: InvalidArgument. CLI only.</summary>
    public const string ConflictingPasswordOptions = "ConflictingPasswordOptions";

    /// <summary>--password-stdin given but the first line of standard input is empty. Kind: InvalidArgument. CLI only.</summary>
    public const string PasswordStdinEmpty = "PasswordStdinEmpty";

    /// <summary>An exception that is not a RedisBackupException reached the CLI (a bug); its type and message are reported. CLI only.</summary>
    public const string UnexpectedError = "UnexpectedError";

    /// <summary>A path given to a cmdlet does not name a backup file. Kind: InvalidArgument. PowerShell only.</summary>
    public const string InvalidBackupPath = "InvalidBackupPath";

    /// <summary>A path given as a backup file is a directory. Kind: InvalidArgument. PowerShell only.</summary>
    public const string PathIsDirectory = "PathIsDirectory";

    /// <summary>A path given as a backup file is on a provider other than the file system. Kind: InvalidArgument. PowerShell only.</summary>
    public const string NotAFileSystemPath = "NotAFileSystemPath";

    /// <summary>An UnauthorizedAccessException while a cmdlet handled one item. PowerShell only.</summary>
    public const string FileAccessDenied = "FileAccessDenied";

    /// <summary>An IOException while a cmdlet handled one item. PowerShell only.</summary>
    public const string FileIOError = "FileIOError";

    // ---- General: Not tied to one area.

    /// <summary>The user stopped the operation (Ctrl+C, SIGTERM, a stopped pipeline); the id the CLI reports and the failure journal and restore results record for a cancellation. Kind: Cancelled.</summary>
    public const string Cancelled = "Cancelled";

    /// <summary>A RedisBackupException made without an id (its parameterless or message-only constructors); the engine never throws one. Kind: ProtocolError.</summary>
    public const string Unknown = "Unknown";

    // ---- Redis connections: Connecting to a Redis or Valkey server and talking RESP with it.

    /// <summary>An endpoint that is not a valid redis:// or rediss:// URI. Kind: InvalidArgument.</summary>
    public const string InvalidRedisUri = "InvalidRedisUri";

    /// <summary>A port outside 1-65535. Kind: InvalidArgument.</summary>
    public const string InvalidPort = "InvalidPort";

    /// <summary>The TLS CA file given does not exist. Kind: NotFound.</summary>
    public const string TlsCaFileNotFound = "TlsCaFileNotFound";

    /// <summary>The TCP connection was not made within the connect timeout. Kind: Timeout.</summary>
    public const string RedisConnectTimeout = "RedisConnectTimeout";

    /// <summary>The TCP connection was refused, unreachable or the name did not resolve. Kind: ConnectionFailed.</summary>
    public const string RedisConnectionFailed = "RedisConnectionFailed";

    /// <summary>The TLS handshake failed (certificate, protocol). Kind: ConnectionFailed.</summary>
    public const string RedisTlsFailed = "RedisTlsFailed";

    /// <summary>The TLS handshake did not finish in time (often: the port does not speak TLS). Kind: Timeout.</summary>
    public const string RedisTlsTimeout = "RedisTlsTimeout";

    /// <summary>The connection broke while sending or receiving. Kind: ConnectionFailed.</summary>
    public const string RedisConnectionLost = "RedisConnectionLost";

    /// <summary>The connection is used again after an earlier failure left it unusable. Kind: ConnectionFailed.</summary>
    public const string RedisConnectionBroken = "RedisConnectionBroken";

    /// <summary>The server closed the connection in the middle of a reply. Kind: ConnectionFailed.</summary>
    public const string RedisConnectionClosed = "RedisConnectionClosed";

    /// <summary>A reply did not arrive within the command timeout. Kind: Timeout.</summary>
    public const string RedisTimeout = "RedisTimeout";

    /// <summary>The server broke the RESP protocol. Kind: ProtocolError.</summary>
    public const string RedisProtocolError = "RedisProtocolError";

    /// <summary>A reply of another type or shape than the command returns. Kind: ProtocolError.</summary>
    public const string RedisUnexpectedReply = "RedisUnexpectedReply";

    /// <summary>The server replied with an error that has no more specific id. Kind: ServerError.</summary>
    public const string RedisServerError = "RedisServerError";

    /// <summary>Wrong password or user (WRONGPASS, an invalid password, AUTH without a configured password; in a container, redis-cli's credentials). Kind: AuthenticationFailed.</summary>
    public const string RedisAuthenticationFailed = "RedisAuthenticationFailed";

    /// <summary>The server requires a password and none was given (NOAUTH). Kind: AuthenticationFailed.</summary>
    public const string RedisAuthenticationRequired = "RedisAuthenticationRequired";

    /// <summary>The user's ACL refuses a command (NOPERM). Kind: PermissionDenied.</summary>
    public const string RedisPermissionDenied = "RedisPermissionDenied";

    // ---- Replication snapshots: A snapshot taken over the replication protocol (SYNC).

    /// <summary>The server refused SYNC (a managed service, an ACL without +sync/+replconf). Kind: NotSupported, PermissionDenied.</summary>
    public const string ReplicationRefused = "ReplicationRefused";

    /// <summary>SYNC was answered with something other than a bulk snapshot. Kind: ProtocolError.</summary>
    public const string ReplicationProtocolError = "ReplicationProtocolError";

    /// <summary>The server closed the connection before the snapshot was complete. Kind: ConnectionFailed.</summary>
    public const string ReplicationConnectionClosed = "ReplicationConnectionClosed";

    /// <summary>The connection broke during the snapshot download. Kind: ConnectionFailed.</summary>
    public const string ReplicationConnectionLost = "ReplicationConnectionLost";

    /// <summary>The server sent nothing for too long during the snapshot download. Kind: Timeout.</summary>
    public const string ReplicationTimeout = "ReplicationTimeout";

    // ---- Catalog: The backup directory: its lock, its names, listing, copying and committing backups.

    /// <summary>The catalog directory does not exist (a backup creates it; other commands do not). Kind: NotFound.</summary>
    public const string CatalogNotFound = "CatalogNotFound";

    /// <summary>The catalog path names something that is not a directory. Kind: InvalidArgument.</summary>
    public const string CatalogNotADirectory = "CatalogNotADirectory";

    /// <summary>The catalog cannot be written (a read-only volume, no permission). Kind: PermissionDenied.</summary>
    public const string CatalogNotWritable = "CatalogNotWritable";

    /// <summary>The catalog path goes through too many symbolic links, or through one that is not safe to follow. Kind: InvalidArgument, PermissionDenied.</summary>
    public const string UnsafeCatalogPath = "UnsafeCatalogPath";

    /// <summary>A catalog file (lock, journal, sidecar) is a link or owned by another user; it was not used. Kind: PermissionDenied.</summary>
    public const string UnsafeCatalogFile = "UnsafeCatalogFile";

    /// <summary>Another process holds the catalog's lock (another backup is running). Kind: ResourceBusy.</summary>
    public const string CatalogLocked = "CatalogLocked";

    /// <summary>The catalog's lock file could not be opened. Kind: WriteFailed.</summary>
    public const string CatalogLockFailed = "CatalogLockFailed";

    /// <summary>A backup name that is empty, has separators or "..", is rooted or holds control characters. Kind: InvalidArgument.</summary>
    public const string InvalidBackupName = "InvalidBackupName";

    /// <summary>A backup name is a symbolic link to a file outside the catalog; it was left alone. Kind: PermissionDenied.</summary>
    public const string BackupOutsideCatalog = "BackupOutsideCatalog";

    /// <summary>A name in the catalog is not a regular backup file (a directory, a special file, an unreadable entry). Kind: InvalidArgument.</summary>
    public const string NotABackup = "NotABackup";

    /// <summary>A negative number of latest backups to list. Kind: InvalidArgument.</summary>
    public const string InvalidLatest = "InvalidLatest";

    /// <summary>A new backup asked for with no known format. Kind: InvalidArgument.</summary>
    public const string InvalidBackupFormat = "InvalidBackupFormat";

    /// <summary>No free file name for a new backup in its second. Kind: ResourceBusy.</summary>
    public const string BackupNameExhausted = "BackupNameExhausted";

    /// <summary>A pending backup committed twice. Kind: InvalidArgument.</summary>
    public const string BackupAlreadyCommitted = "BackupAlreadyCommitted";

    /// <summary>A pending backup committed into a catalog it was not made for. Kind: InvalidArgument.</summary>
    public const string PendingBackupOfOtherCatalog = "PendingBackupOfOtherCatalog";

    /// <summary>A copy without a destination. Kind: InvalidArgument.</summary>
    public const string InvalidCopyDestination = "InvalidCopyDestination";

    /// <summary>A copy whose destination is the backup itself. Kind: InvalidArgument.</summary>
    public const string CopyOntoItself = "CopyOntoItself";

    /// <summary>A copy into a directory that does not exist. Kind: NotFound.</summary>
    public const string CopyDestinationNotFound = "CopyDestinationNotFound";

    /// <summary>A copy onto an existing file without permission to overwrite it. Kind: InvalidArgument.</summary>
    public const string CopyDestinationExists = "CopyDestinationExists";

    /// <summary>A backup to copy does not match its recorded SHA-256; it was not copied. Kind: InvalidData.</summary>
    public const string BackupChecksumMismatch = "BackupChecksumMismatch";

    /// <summary>A copy read back with another SHA-256 than its source; the copy was removed. Kind: WriteFailed.</summary>
    public const string CopyChecksumMismatch = "CopyChecksumMismatch";

    // ---- Writing backups: Writing a new backup file and checking it before it gets its name.

    /// <summary>The backup volume is full; nothing partial was kept. Kind: WriteFailed.</summary>
    public const string BackupDiskFull = "BackupDiskFull";

    /// <summary>Writing the backup (or a converted backup) failed; nothing partial was kept. Kind: WriteFailed.</summary>
    public const string BackupWriteFailed = "BackupWriteFailed";

    /// <summary>A new backup (or a converted one) failed its check against what was written; it was not kept. Kind: InvalidData.</summary>
    public const string BackupVerificationFailed = "BackupVerificationFailed";

    /// <summary>The second pass over a new key-level backup (duplicate keys, stream records in the header) failed. Kind: InvalidData.</summary>
    public const string KeyExportRewriteFailed = "KeyExportRewriteFailed";

    // ---- Reading backups: Reading, verifying, inspecting and converting backup files.

    /// <summary>The backup file is empty. Kind: InvalidData.</summary>
    public const string BackupEmpty = "BackupEmpty";

    /// <summary>The file is neither an RDB snapshot, a key-level export nor a seed-service JSON backup. Kind: InvalidData.</summary>
    public const string BackupFormatUnknown = "BackupFormatUnknown";

    /// <summary>A key-level backup written by a newer redis-backup (a format version or record this one does not know). Kind: NotSupported.</summary>
    public const string BackupFormatTooNew = "BackupFormatTooNew";

    /// <summary>A key-level backup is damaged (a bad record, a chunk out of order). Kind: InvalidData.</summary>
    public const string BackupCorrupt = "BackupCorrupt";

    /// <summary>A key-level backup ends early (cut off while written or copied). Kind: InvalidData.</summary>
    public const string BackupTruncated = "BackupTruncated";

    /// <summary>An RDB file is damaged at a byte offset. Kind: InvalidData.</summary>
    public const string RdbCorrupt = "RdbCorrupt";

    /// <summary>A DUMP payload shorter than its footer. Kind: InvalidData.</summary>
    public const string DumpPayloadTooShort = "DumpPayloadTooShort";

    /// <summary>A negative number of biggest keys to list. Kind: InvalidArgument.</summary>
    public const string InvalidTop = "InvalidTop";

    /// <summary>A conversion could read its source only part-way (a part this version does not know); nothing was kept. Kind: NotSupported.</summary>
    public const string ConvertStopped = "ConvertStopped";

    /// <summary>A conversion would have to drop a value (a stream too big for one DUMP record that cannot be split); nothing was kept. Kind: NotSupported.</summary>
    public const string ConvertWouldLoseData = "ConvertWouldLoseData";

    // ---- Live restores: Restoring keys into a running server.

    /// <summary>The target's user may not run RESTORE, which the restore needs. Kind: PermissionDenied.</summary>
    public const string RestoreNotPermitted = "RestoreNotPermitted";

    /// <summary>A source or target database the target does not have (InvalidArgument when it came from an option). Kind: InvalidArgument, NotSupported.</summary>
    public const string DatabaseOutOfRange = "DatabaseOutOfRange";

    /// <summary>The backup holds hash field expirations and the target has none (Redis before 7.4, Valkey before 9). Kind: NotSupported.</summary>
    public const string FieldTtlNotSupported = "FieldTtlNotSupported";

    /// <summary>A live RDB restore into a target whose release cannot be read (INFO not permitted) that does not read the snapshot's RDB version (asked before any key is sent, PayloadVersionProbe); or a container's server is older than the file. Kind: NotSupported.</summary>
    public const string RdbVersionTooNew = "RdbVersionTooNew";

    /// <summary>A live RDB restore stopped at a part of the file it cannot restore, after everything before it was written. Kind: NotSupported.</summary>
    public const string RdbRestoreStopped = "RdbRestoreStopped";

    /// <summary>A live restore stopped part-way for a reason that is not a RedisBackupException; the result says how far it got. Kind: ProtocolError.</summary>
    public const string RestoreInterrupted = "RestoreInterrupted";

    /// <summary>A key could not be restored and fail-fast was asked for. Kind: ServerError.</summary>
    public const string RestoreKeyFailed = "RestoreKeyFailed";

    /// <summary>A database-wide command of the restore (SELECT, FLUSHDB) failed. Kind: ServerError.</summary>
    public const string RestoreCommandFailed = "RestoreCommandFailed";

    /// <summary>A restore finished with keys or function libraries that failed (recorded in the failure journal; a non-terminating error in PowerShell). Kind: ServerError, WriteFailed.</summary>
    public const string RestoreIncomplete = "RestoreIncomplete";

    // ---- Docker engine: Talking to the Docker engine API.

    /// <summary>DOCKER_HOST is not a valid unix://, tcp:// or npipe:// address. Kind: InvalidArgument.</summary>
    public const string DockerHostInvalid = "DockerHostInvalid";

    /// <summary>DOCKER_HOST uses ssh://. Kind: NotSupported.</summary>
    public const string DockerHostUnsupported = "DockerHostUnsupported";

    /// <summary>DOCKER_API_VERSION is not an API version. Kind: InvalidArgument.</summary>
    public const string DockerApiVersionInvalid = "DockerApiVersionInvalid";

    /// <summary>The engine does not accept the API version. Kind: NotSupported.</summary>
    public const string DockerApiVersionUnsupported = "DockerApiVersionUnsupported";

    /// <summary>DOCKER_TLS_VERIFY is set but the CA file does not exist. Kind: NotFound.</summary>
    public const string DockerCaMissing = "DockerCaMissing";

    /// <summary>The Docker client certificate could not be loaded. Kind: InvalidArgument.</summary>
    public const string DockerCertificateInvalid = "DockerCertificateInvalid";

    /// <summary>The engine cannot be reached (no socket, /_ping fails). Kind: ConnectionFailed.</summary>
    public const string DockerUnreachable = "DockerUnreachable";

    /// <summary>The engine or its socket refuses this user. Kind: PermissionDenied.</summary>
    public const string DockerPermissionDenied = "DockerPermissionDenied";

    /// <summary>The engine did not answer in time. Kind: Timeout.</summary>
    public const string DockerTimeout = "DockerTimeout";

    /// <summary>The engine sent a reply that is not JSON. Kind: ProtocolError.</summary>
    public const string DockerReplyInvalid = "DockerReplyInvalid";

    /// <summary>The engine answered a request with an error status that has no more specific id. Kind: ServerError.</summary>
    public const string DockerRequestFailed = "DockerRequestFailed";

    /// <summary>The engine sent a malformed multiplexed output stream. Kind: ProtocolError.</summary>
    public const string DockerStreamInvalid = "DockerStreamInvalid";

    /// <summary>A command run in a container finished its output but the engine reported no exit code. Kind: Timeout.</summary>
    public const string DockerExecNoExitCode = "DockerExecNoExitCode";

    /// <summary>A command's output in a container exceeded its limit. Kind: InvalidData.</summary>
    public const string DockerOutputTooLarge = "DockerOutputTooLarge";

    // ---- Containers: Containers, their files and the Redis inside them (backups and restores).

    /// <summary>An empty container name or id. Kind: InvalidArgument.</summary>
    public const string ContainerNameEmpty = "ContainerNameEmpty";

    /// <summary>No container of that name or id. Kind: NotFound.</summary>
    public const string ContainerNotFound = "ContainerNotFound";

    /// <summary>The container is not running, or stopped during the operation. Kind: NotSupported.</summary>
    public const string ContainerNotRunning = "ContainerNotRunning";

    /// <summary>A file or directory in the container does not exist. Kind: NotFound.</summary>
    public const string ContainerPathNotFound = "ContainerPathNotFound";

    /// <summary>Sending an archive into the container failed. Kind: WriteFailed.</summary>
    public const string ContainerUploadFailed = "ContainerUploadFailed";

    /// <summary>A file name to upload is not a plain name of at most 100 bytes. Kind: InvalidArgument.</summary>
    public const string ContainerFileNameInvalid = "ContainerFileNameInvalid";

    /// <summary>A file changed while it was uploaded into a container; the upload was abandoned. Kind: InvalidData.</summary>
    public const string ArchiveSourceChanged = "ArchiveSourceChanged";

    /// <summary>The engine sent an empty archive for the data file. Kind: InvalidData.</summary>
    public const string ContainerArchiveEmpty = "ContainerArchiveEmpty";

    /// <summary>The data file's archive stream ended early. Kind: InvalidData.</summary>
    public const string ContainerArchiveTruncated = "ContainerArchiveTruncated";

    /// <summary>The data file is a chain of symbolic links too long to follow. Kind: InvalidData.</summary>
    public const string ContainerRdbLinkLoop = "ContainerRdbLinkLoop";

    /// <summary>The data file is not a regular file. Kind: InvalidData.</summary>
    public const string ContainerRdbNotAFile = "ContainerRdbNotAFile";

    /// <summary>The container has no runnable redis-cli or valkey-cli. Kind: NotSupported.</summary>
    public const string RedisCliMissing = "RedisCliMissing";

    /// <summary>redis-cli in the container could not talk to Redis. Kind: ConnectionFailed.</summary>
    public const string ContainerRedisUnreachable = "ContainerRedisUnreachable";

    /// <summary>Redis in the container refused a command. Kind: ServerError.</summary>
    public const string ContainerRedisError = "ContainerRedisError";

    /// <summary>Redis in the container did not report a CONFIG GET setting. Kind: ProtocolError.</summary>
    public const string ContainerRedisConfigUnreadable = "ContainerRedisConfigUnreadable";

    /// <summary>Redis in the container answered LASTSAVE with something that is not a timestamp. Kind: ProtocolError.</summary>
    public const string ContainerRedisReplyInvalid = "ContainerRedisReplyInvalid";

    /// <summary>BGSAVE in the container failed. Kind: ServerError.</summary>
    public const string BackgroundSaveFailed = "BackgroundSaveFailed";

    /// <summary>BGSAVE in the container did not finish in time. Kind: Timeout.</summary>
    public const string BackgroundSaveTimeout = "BackgroundSaveTimeout";

    // ---- Container restores: Swapping a snapshot into a container and restarting it.

    /// <summary>A key-level backup given for a container restore (only snapshots are swapped in). Kind: NotSupported.</summary>
    public const string ContainerRestoreNeedsSnapshot = "ContainerRestoreNeedsSnapshot";

    /// <summary>The settings the container's redis-server starts with cannot be read; nothing was changed. Kind: InvalidData, NotFound, NotSupported.</summary>
    public const string ContainerConfigUnreadable = "ContainerConfigUnreadable";

    /// <summary>The running server's data file is not where its start-up configuration puts it; nothing was changed. Kind: NotSupported.</summary>
    public const string ContainerConfigChanged = "ContainerConfigChanged";

    /// <summary>The container loads its AOF on restart, so a replaced RDB file would be ignored; nothing was changed. Kind: NotSupported.</summary>
    public const string AppendOnlyTarget = "AppendOnlyTarget";

    /// <summary>The snapshot copied into the container does not read back as sent. Kind: WriteFailed.</summary>
    public const string ContainerRestoreCopyFailed = "ContainerRestoreCopyFailed";

    /// <summary>Keeping the container's current data file aside did not work. Kind: WriteFailed.</summary>
    public const string ContainerRestoreKeepFailed = "ContainerRestoreKeepFailed";

    /// <summary>Putting the container's previous data file back did not work. Kind: WriteFailed.</summary>
    public const string ContainerRestorePutBackFailed = "ContainerRestorePutBackFailed";

    /// <summary>The container was still running after it was stopped, so its previous data file could not be put back safely. Kind: ServerError.</summary>
    public const string ContainerStillRunning = "ContainerStillRunning";

    /// <summary>The container stopped instead of loading its new data file. Kind: ServerError.</summary>
    public const string RestoreLoadFailed = "RestoreLoadFailed";

    /// <summary>Redis in the container did not finish loading in time. Kind: Timeout.</summary>
    public const string RestoreLoadTimeout = "RestoreLoadTimeout";

    /// <summary>After the restart a database holds another number of keys than the snapshot. Kind: ServerError.</summary>
    public const string RestoreKeyCountMismatch = "RestoreKeyCountMismatch";

    /// <summary>After the restart a sampled key differs from the snapshot. Kind: ServerError.</summary>
    public const string RestoreDataMismatch = "RestoreDataMismatch";

    /// <summary>A container restore failed for a reason that is not a RedisBackupException (the previous data was put back). Kind: ServerError.</summary>
    public const string ContainerRestoreFailed = "ContainerRestoreFailed";

    /// <summary>A container restore was cancelled after it had changed the container (the previous data was put back). Kind: WriteFailed.</summary>
    public const string ContainerRestoreCancelled = "ContainerRestoreCancelled";

    /// <summary>A container restore failed and putting the previous data back failed too. Kind: the cause's kind, else ServerError.</summary>
    public const string ContainerRestoreRollbackFailed = "ContainerRestoreRollbackFailed";

    // ---- Demo: The CLI's demo command.

    /// <summary>The redis-server to run the demo with does not exist. Kind: NotFound. CLI only.</summary>
    public const string DemoServerNotFound = "DemoServerNotFound";

    /// <summary>The demo's throwaway server did not start. Kind: ConnectionFailed. CLI only.</summary>
    public const string DemoServerFailed = "DemoServerFailed";

    /// <summary>The demo's backup failed verification. Kind: InvalidData. CLI only.</summary>
    public const string DemoVerificationFailed = "DemoVerificationFailed";
}
