using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Docker;

/// <summary>
/// A container restore that stopped after the container was stopped: how far it got, whether the new data had been
/// put in place, whether the previous data file was put back, and in what state the container was left. The message
/// says the same in words, with the command that restores the safety snapshot.
/// </summary>
public sealed class ContainerRestoreException : RedisBackupException
{
    public ContainerRestoreException(ErrorKind kind, string errorId, string message, string container, Exception? inner)
        : base(kind, errorId, message, container, inner)
    {
    }

    public ContainerRestoreException() : base() { }
    public ContainerRestoreException(string message) : base(message) { }
    public ContainerRestoreException(string message, Exception inner) : base(message, inner) { }

    /// <summary>
    /// The step that was running and the number of steps, as the run announced them: the restore plan's numbers
    /// (<see cref="Operations.RestoreOperation.Prepare"/>), or 1 to 5 of 5 when <see cref="ContainerRestorer"/> runs alone.
    /// </summary>
    public int Step { get; init; }
    public int Steps { get; init; }

    /// <summary>What that step does, e.g. "copying the backup into the container".</summary>
    public string StepName { get; init; } = "";

    /// <summary>True when it stopped because it was cancelled (Ctrl+C, SIGTERM, a stopped pipeline).</summary>
    public bool Cancelled { get; init; }

    /// <summary>True when the data file had already been switched to the backup's data.</summary>
    public bool NewDataWasInPlace { get; init; }

    /// <summary>True when the container's data file holds its previous data again (or was never replaced).</summary>
    public bool PreviousDataInPlace { get; init; }

    /// <summary>True when the container runs (with its previous data) after the rollback.</summary>
    public bool ContainerRunning { get; init; }

    /// <summary>The safety snapshot taken before anything changed, if one was taken.</summary>
    public string? SafetySnapshotPath { get; init; }
}
