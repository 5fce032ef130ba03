using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// A live restore of an RDB file stopped at a part it cannot restore (a type or opcode newer than this reader, an inline
/// command) after writing every key before it. The message says how far it got; <see cref="Result"/> holds the counts.
/// </summary>
public sealed class RdbRestoreStoppedException : RedisBackupException
{
    public RdbRestoreStoppedException(string message, RestoreResult result, long offset, object? target)
        : base(ErrorKind.NotSupported, "RdbRestoreStopped", message, target)
    {
        Result = result;
        Offset = offset;
    }

    public RdbRestoreStoppedException() : this("The restore stopped part-way.", new RestoreResult(), 0, null) { }
    public RdbRestoreStoppedException(string message) : this(message, new RestoreResult(), 0, null) { }
    public RdbRestoreStoppedException(string message, Exception inner) : base(ErrorKind.NotSupported, "RdbRestoreStopped", message, null, inner) => Result = new RestoreResult();

    /// <summary>What was restored before the stop.</summary>
    public RestoreResult Result { get; }

    /// <summary>Byte offset in the file where the restore stopped.</summary>
    public long Offset { get; }
}
