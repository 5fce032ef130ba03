namespace RedisBackup.Engine.Errors;

/// <summary>
/// The one exception type the engine throws for expected failures. <see cref="Kind"/> classifies it,
/// <see cref="ErrorId"/> is a stable identifier fronts can surface (e.g. as a PowerShell FullyQualifiedErrorId),
/// and <see cref="Target"/> names what the operation was acting on (a path, a container, an endpoint).
/// </summary>
public class RedisBackupException : Exception
{
    public RedisBackupException(ErrorKind kind, string errorId, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        ErrorId = errorId;
        Target = target;
    }

    public RedisBackupException() : this(ErrorKind.ProtocolError, ErrorIds.Unknown, "An unknown error occurred.") { }

    public RedisBackupException(string message) : this(ErrorKind.ProtocolError, ErrorIds.Unknown, message) { }

    public RedisBackupException(string message, Exception inner) : this(ErrorKind.ProtocolError, ErrorIds.Unknown, message, null, inner) { }

    public ErrorKind Kind { get; }

    /// <summary>A stable, PascalCase identifier such as "RedisAuthenticationFailed" or "BackupCorrupt".</summary>
    public string ErrorId { get; }

    public object? Target { get; }
}
