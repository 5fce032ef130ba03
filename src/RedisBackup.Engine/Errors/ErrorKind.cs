namespace RedisBackup.Engine.Errors;

/// <summary>
/// What went wrong, in terms a front can map to its own vocabulary (a PowerShell ErrorCategory,
/// a CLI exit code). Every exception the engine throws on purpose carries one of these.
/// </summary>
public enum ErrorKind
{
    /// <summary>No connection could be made (refused, unreachable, DNS, TLS handshake).</summary>
    ConnectionFailed,
    /// <summary>Wrong password or user (WRONGPASS, NOAUTH, invalid password).</summary>
    AuthenticationFailed,
    /// <summary>The credentials are valid but lack a right (NOPERM, a socket permission, a read-only target).</summary>
    PermissionDenied,
    /// <summary>A container, file, backup or key that was named does not exist.</summary>
    NotFound,
    /// <summary>A backup file or a stream is corrupt, truncated or of an unknown format.</summary>
    InvalidData,
    /// <summary>A request is malformed: a bad name, a path with "..", an option out of range.</summary>
    InvalidArgument,
    /// <summary>Something else holds the resource: the catalog lock, a save in progress that never ends.</summary>
    ResourceBusy,
    /// <summary>The server or environment refuses the operation (SYNC refused, AOF target, version too old).</summary>
    NotSupported,
    /// <summary>The server replied with an unexpected error or broke the protocol.</summary>
    ProtocolError,
    /// <summary>An operation did not finish within its time limit.</summary>
    Timeout,
    /// <summary>Writing failed: disk full, I/O error. Nothing partial was kept.</summary>
    WriteFailed,
    /// <summary>A Redis command failed for a reason specific to the data (e.g. RESTORE rejected one key).</summary>
    ServerError,
    /// <summary>The user stopped the operation (Ctrl+C, SIGTERM, a stopped pipeline) after it had changed something, which the error reports.</summary>
    Cancelled,
}
