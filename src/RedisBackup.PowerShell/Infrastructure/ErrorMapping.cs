using System.Management.Automation;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;

namespace RedisBackup.PowerShell.Infrastructure;

/// <summary>
/// The one place where engine errors become PowerShell error records. The FullyQualifiedErrorId starts with the
/// engine's stable ErrorId; the TargetObject is what the cmdlet was working on (the backup's full path, the source of a
/// backup, the catalog), whatever the engine attached (that stays in the exception's Target). A live restore that
/// stopped part-way is the one exception: its TargetObject is the partial RestoreResult, which names the backup and
/// says how far the restore got (keys written, skipped, failed, unconfirmed, the last key written).
/// </summary>
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
        // The server or the environment refuses what was asked in its current state (an AOF target, SYNC refused).
        ErrorKind.NotSupported => ErrorCategory.InvalidOperation,
        ErrorKind.ProtocolError => ErrorCategory.ProtocolError,
        ErrorKind.Timeout => ErrorCategory.OperationTimeout,
        ErrorKind.WriteFailed => ErrorCategory.WriteError,
        ErrorKind.ServerError => ErrorCategory.InvalidResult,
        ErrorKind.Cancelled => ErrorCategory.OperationStopped,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "An engine error kind without a PowerShell category."),
    };

    /// <summary>Errors whose kind is right for the CLI's exit code but whose PowerShell category reads better more precisely.</summary>
    private static readonly Dictionary<string, ErrorCategory> CategoryById = new(StringComparer.Ordinal)
    {
        [ErrorIds.ContainerNotRunning] = ErrorCategory.ResourceUnavailable,
    };

    public static ErrorCategory ToCategory(RedisBackupException exception)
        => CategoryById.TryGetValue(exception.ErrorId, out var category) ? category : ToCategory(exception.Kind);

    /// <summary>
    /// An error record about <paramref name="item"/>, the thing the cmdlet was working on; for a restore that stopped
    /// part-way, the partial result (read-only, as the cmdlet would have emitted it).
    /// </summary>
    public static ErrorRecord ForItem(RedisBackupException exception, object? item)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var target = exception is RestoreInterruptedException stopped ? RestoreResult.From(stopped.Partial) : item;
        return new ErrorRecord(exception, exception.ErrorId, ToCategory(exception), target);
    }

    /// <summary>An error record about the cmdlet's arguments: the target is the value the engine named as wrong.</summary>
    public static ErrorRecord ForArguments(RedisBackupException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new ErrorRecord(exception, exception.ErrorId, ToCategory(exception), exception.Target);
    }

    /// <summary>
    /// Error records for the expected failures around one item: engine errors, and a file the file system refused.
    /// Anything else is a bug and is left to propagate.
    /// </summary>
    public static ErrorRecord? TryForItem(Exception exception, object? item) => exception switch
    {
        RedisBackupException rbe => ForItem(rbe, item),
        UnauthorizedAccessException => new ErrorRecord(exception, ErrorIds.FileAccessDenied, ErrorCategory.PermissionDenied, item),
        FileNotFoundException or DirectoryNotFoundException => new ErrorRecord(exception, ErrorIds.BackupNotFound, ErrorCategory.ObjectNotFound, item),
        IOException => new ErrorRecord(exception, ErrorIds.FileIOError, ErrorCategory.WriteError, item),
        _ => null,
    };
}
