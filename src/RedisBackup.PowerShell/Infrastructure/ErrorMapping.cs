using System.Management.Automation;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;

namespace RedisBackup.PowerShell.Infrastructure;

/// <summary>The one place where engine errors become PowerShell error records.</summary>
internal static class ErrorMapping
{
    /// <summary>The PowerShell category for each engine error kind. Never NotSpecified.</summary>
    public static ErrorCategory ToCategory(ErrorKind kind) => kind switch
    {
        ErrorKind.ConnectionFailed => ErrorCategory.ConnectionError,
        ErrorKind.AuthenticationFailed => ErrorCategory.AuthenticationError,
        ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        ErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.ResourceBusy => ErrorCategory.ResourceBusy,
        ErrorKind.NotSupported => ErrorCategory.NotImplemented,
        ErrorKind.ProtocolError => ErrorCategory.ProtocolError,
        ErrorKind.Timeout => ErrorCategory.OperationTimeout,
        ErrorKind.WriteFailed => ErrorCategory.WriteError,
        ErrorKind.ServerError => ErrorCategory.InvalidResult,
        ErrorKind.Cancelled => ErrorCategory.OperationStopped,
        _ => ErrorCategory.InvalidOperation,
    };

    /// <summary>
    /// An error record whose FullyQualifiedErrorId starts with the engine's stable ErrorId. A restore that stopped
    /// part-way carries what it did (the partial RestoreResult: keys written, skipped, failed, the last key) as its
    /// TargetObject; its message says the same.
    /// </summary>
    public static ErrorRecord ToErrorRecord(RedisBackupException exception, object? fallbackTarget)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var target = exception is RestoreInterruptedException stopped ? stopped.Partial : exception.Target ?? fallbackTarget;
        return new ErrorRecord(exception, exception.ErrorId, ToCategory(exception.Kind), target);
    }

    /// <summary>
    /// Error records for the few non-engine exceptions a cmdlet expects around files (a path PowerShell resolved
    /// but the file system refused). Anything else is a bug and is left to propagate.
    /// </summary>
    public static ErrorRecord? TryToErrorRecord(Exception exception, object? target) => exception switch
    {
        RedisBackupException rbe => ToErrorRecord(rbe, target),
        UnauthorizedAccessException => new ErrorRecord(exception, "FileAccessDenied", ErrorCategory.PermissionDenied, target),
        FileNotFoundException or DirectoryNotFoundException => new ErrorRecord(exception, "FileNotFound", ErrorCategory.ObjectNotFound, target),
        IOException => new ErrorRecord(exception, "FileIOError", ErrorCategory.WriteError, target),
        _ => null,
    };
}
