namespace RedisBackup.Engine.Model;

/// <summary>
/// One progress report from a long operation. <see cref="IsStep"/> marks a step announcement
/// ("Step 2/3: copying dump.rdb out of the container") that fronts show as a verbose line;
/// other reports carry counters for a progress bar.
/// </summary>
public sealed record OperationProgress
{
    /// <summary>What is running, e.g. "Backing up redis://127.0.0.1:6379".</summary>
    public required string Activity { get; init; }

    /// <summary>A one-line status, e.g. "db 0: 120000 of 1000000 keys".</summary>
    public string Status { get; init; } = "";

    /// <summary>Units done (keys for key-level work, bytes for snapshot transfers).</summary>
    public long Done { get; init; }

    /// <summary>Units expected, when known.</summary>
    public long? Total { get; init; }

    /// <summary>Bytes written or read so far.</summary>
    public long Bytes { get; init; }

    /// <summary>True for a step announcement rather than a counter update.</summary>
    public bool IsStep { get; init; }

    /// <summary>For a step announcement of a planned run: the plan's step it enters (or skips); null for detail lines.</summary>
    public PlanStep? PlanStep { get; init; }

    /// <summary>For a planned step: how many steps the plan has.</summary>
    public int? StepTotal { get; init; }

    /// <summary>For a planned step: true when the run found the step does not apply and went past it.</summary>
    public bool Skipped { get; init; }

    /// <summary>0–100 when <see cref="Total"/> is known and positive, otherwise null.</summary>
    public int? Percent => Total is > 0 ? (int)Math.Clamp(Done * 100 / Total.Value, 0, 100) : null;

    public static OperationProgress Step(string activity, string message) => new() { Activity = activity, Status = message, IsStep = true };
}
