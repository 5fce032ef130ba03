namespace RedisBackup.Engine.Model;

/// <summary>
/// One step of an operation plan (<c>OperationPlan</c>): its number (1-based, fixed for the run), a stable id that says what
/// kind of step it is, the text -WhatIf, --dry-run and -Verbose show, and what it will touch.
/// </summary>
public sealed record PlanStep
{
    /// <summary>1-based position in the plan; a run announces it with this number, or reports it as skipped.</summary>
    public required int Number { get; init; }

    /// <summary>Stable kind of the step (see <see cref="PlanStepIds"/>), for tests and tools; never shown as prose.</summary>
    public required string Id { get; init; }

    /// <summary>What the step does, in a sentence.</summary>
    public required string Text { get; init; }

    /// <summary>What the step reads or changes: an endpoint, "container:NAME", a backup file or a catalog directory.</summary>
    public required string Touches { get; init; }
}

/// <summary>The stable ids of plan steps.</summary>
public static class PlanStepIds
{
    public const string ExportKeys = "export-keys";
    public const string ContainerSave = "container-save";
    public const string ContainerCopyOut = "container-copy-out";
    public const string ReplicationDownload = "replication-download";
    public const string VerifyAndSave = "verify-and-save";
    public const string Retention = "retention";
    public const string VerifyBackup = "verify-backup";
    public const string WriteKeys = "write-keys";
    public const string ContainerPrepare = "container-prepare";
    public const string ReadBackup = "read-backup";
    public const string SafetySnapshot = "safety-snapshot";
    public const string ContainerStop = "container-stop";
    public const string ContainerCopyIn = "container-copy-in";
    public const string ContainerSwitch = "container-switch";
    public const string ContainerStart = "container-start";
    public const string ContainerCheck = "container-check";
    public const string Convert = "convert";
}
