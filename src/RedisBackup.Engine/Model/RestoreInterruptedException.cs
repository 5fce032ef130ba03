using System.Globalization;
using System.Text;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Model;

/// <summary>
/// A live restore that stopped part-way, after it may have written keys: Ctrl+C, a lost connection, a server that
/// stopped answering, fail-fast, a damaged record found while reading. <see cref="Partial"/> says how far it got, and
/// the message says it too (keys written, skipped, failed, unconfirmed, the last key written), so that anything that
/// only keeps the message (a journal, a log line) keeps the counts. Kind, ErrorId and Target are those of the cause
/// (the inner exception); a cancellation is <see cref="ErrorKind.Cancelled"/> with the id "Cancelled".
/// A stop that has no cause of its own but a part of the backup this tool cannot restore is a subclass with its own id
/// (<see cref="Restore.RdbRestoreStoppedException"/>): every stop part-way is caught, reported and journalled as this type.
/// </summary>
public class RestoreInterruptedException : RedisBackupException
{
    public RestoreInterruptedException(RestoreResult partial, Exception cause)
        : base(KindOf(cause), IdOf(cause), Describe(partial, cause), (cause as RedisBackupException)?.Target, cause)
    {
        Partial = partial;
    }

    public RestoreInterruptedException() : this(new RestoreResult { Complete = false }, new OperationCanceledException()) { }

    public RestoreInterruptedException(string message) : base(ErrorKind.ProtocolError, ErrorIds.RestoreInterrupted, message) => Partial = new RestoreResult { Complete = false };

    public RestoreInterruptedException(string message, Exception inner) : base(ErrorKind.ProtocolError, ErrorIds.RestoreInterrupted, message, null, inner) => Partial = new RestoreResult { Complete = false };

    /// <summary>A stop of a kind of its own (a subclass): its id and message, and the partial result.</summary>
    protected RestoreInterruptedException(ErrorKind kind, string errorId, string message, object? target, RestoreResult partial, Exception? inner = null)
        : base(kind, errorId, message, target, inner)
    {
        ArgumentNullException.ThrowIfNull(partial);
        Partial = partial;
    }

    /// <summary>What was done before the stop (<see cref="RestoreResult.Complete"/> is false).</summary>
    public RestoreResult Partial { get; }

    /// <summary>True when the user stopped it (the cause is a cancellation).</summary>
    public bool Cancelled => InnerException is OperationCanceledException;

    /// <summary>The same stop with more of the result filled in (the caller's target, backup path, duration).</summary>
    public virtual RestoreInterruptedException WithResult(Func<RestoreResult, RestoreResult> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return new RestoreInterruptedException(update(Partial), InnerException!);
    }

    private static ErrorKind KindOf(Exception cause) => cause switch
    {
        RedisBackupException rbe => rbe.Kind,
        OperationCanceledException => ErrorKind.Cancelled,
        IOException => ErrorKind.ConnectionFailed,
        _ => ErrorKind.ProtocolError,
    };

    private static string IdOf(Exception cause) => cause switch
    {
        RedisBackupException rbe => rbe.ErrorId,
        OperationCanceledException => ErrorIds.Cancelled,
        _ => ErrorIds.RestoreInterrupted,
    };

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"Cancelled part-way" or the cause, then how far the restore got.</summary>
    private static string Describe(RestoreResult partial, Exception cause)
    {
        ArgumentNullException.ThrowIfNull(partial);
        ArgumentNullException.ThrowIfNull(cause);
        var text = new StringBuilder();
        var into = partial.Target.Length == 0 ? "" : " into " + partial.Target;
        if (cause is OperationCanceledException) text.Append(CultureInfo.InvariantCulture, $"The restore{into} was cancelled part-way.");
        else text.Append(CultureInfo.InvariantCulture, $"The restore{into} stopped part-way: ").Append(cause.Message.TrimEnd('.')).Append('.');
        text.Append(CultureInfo.InvariantCulture,
            $" Keys written so far: {Count(partial.Restored)}; skipped: {Count(partial.Skipped)}; expired: {Count(partial.Expired)}; failed: {Count(partial.Failed)}");
        if (partial.Unconfirmed > 0)
            text.Append(CultureInfo.InvariantCulture, $"; unconfirmed: {Count(partial.Unconfirmed)} (sent, but the server never confirmed them: they may or may not be on the target)");
        text.Append(CultureInfo.InvariantCulture, $"; {Count(partial.Total)} keys of the backup handled.");
        text.Append(partial.LastWritten is { } last
            ? string.Create(CultureInfo.InvariantCulture, $" Last key written: '{last.Key}' in database {last.Database}.")
            : " No key was written.");
        if (partial.IncompleteKey is { } cut)
        {
            text.Append(CultureInfo.InvariantCulture, $" The big key '{cut.Key}' in database {cut.Database} was cut off part-way: ");
            text.Append(cut.Removed ? "its partial value was removed again." : "an incomplete value of it may be on the target.");
        }
        text.Append(" The rest of the backup was not restored.");
        return text.ToString();
    }
}
