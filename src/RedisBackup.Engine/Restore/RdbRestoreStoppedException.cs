using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// A live restore of an RDB file stopped at a part it cannot restore (a type or opcode newer than this reader, an inline
/// command) after writing every key before it. A <see cref="RestoreInterruptedException"/> with its own id: the message
/// says how far it got, <see cref="RestoreInterruptedException.Partial"/> holds the counts (Complete false), and the
/// fronts report, and the journal records, it as every other stop part-way.
/// </summary>
public sealed class RdbRestoreStoppedException : RestoreInterruptedException
{
    public RdbRestoreStoppedException(string message, RestoreResult partial, long offset, object? target)
        : base(ErrorKind.NotSupported, ErrorIds.RdbRestoreStopped, message, target, partial)
    {
        Offset = offset;
    }

    public RdbRestoreStoppedException() : this("The restore stopped part-way.", new RestoreResult { Complete = false }, 0, null) { }
    public RdbRestoreStoppedException(string message) : this(message, new RestoreResult { Complete = false }, 0, null) { }
    public RdbRestoreStoppedException(string message, Exception inner)
        : base(ErrorKind.NotSupported, ErrorIds.RdbRestoreStopped, message, null, new RestoreResult { Complete = false }, inner) { }

    /// <summary>Byte offset in the file where the restore stopped.</summary>
    public long Offset { get; }

    /// <summary>The same stop with more of the result filled in; the message (counts, byte, reason) stays.</summary>
    public override RestoreInterruptedException WithResult(Func<RestoreResult, RestoreResult> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return new RdbRestoreStoppedException(Message, update(Partial), Offset, Target);
    }
}
