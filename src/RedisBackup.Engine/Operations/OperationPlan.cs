using System.Globalization;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Operations;

/// <summary>
/// What an operation will do, before it does anything: the ordered steps. -WhatIf, --dry-run, the -Verbose "Step n/total"
/// lines and progress all come from one plan, and the run executes exactly that plan (a step that turns out not to
/// apply is reported as skipped, never renumbered).
/// </summary>
public abstract record OperationPlan
{
    /// <summary>What the run is, e.g. "Backing up keys from redis://127.0.0.1:6379".</summary>
    public required string Activity { get; init; }

    public required IReadOnlyList<PlanStep> Steps { get; init; }

    /// <summary>The step with this id; throws when the plan has none (the run and the plan disagree, a bug).</summary>
    public PlanStep Step(string id) => Steps.FirstOrDefault(s => s.Id == id)
        ?? throw new InvalidOperationException($"The plan has no step '{id}'.");

    /// <summary>The step with this id, or null when the plan leaves it out.</summary>
    public PlanStep? FindStep(string id) => Steps.FirstOrDefault(s => s.Id == id);

    /// <summary>"Step 2/4: Copy the RDB file out of container 'cache'", the line a run prints when it enters the step.</summary>
    public string Announce(PlanStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return string.Create(CultureInfo.InvariantCulture, $"Step {step.Number}/{Steps.Count}: {step.Text}");
    }

    /// <summary>"Step 1/9 skipped (why): text", the line a run prints for a step that turned out not to apply.</summary>
    public string AnnounceSkipped(PlanStep step, string reason)
    {
        ArgumentNullException.ThrowIfNull(step);
        return string.Create(CultureInfo.InvariantCulture, $"Step {step.Number}/{Steps.Count} skipped ({reason}): {step.Text}");
    }

    /// <summary>
    /// The progress report of entering <paramref name="step"/>: its announcement, followed by what the run found out
    /// that the plan could not know (" — exporting keys into redis-keys-….jsonl.gz"), when given.
    /// </summary>
    public OperationProgress Entering(PlanStep step, string? detail = null)
        => new() { Activity = Activity, Status = Announce(step) + (detail is null ? "" : " — " + detail), IsStep = true, PlanStep = step, StepTotal = Steps.Count };

    /// <summary>The progress report of a step that turned out not to apply.</summary>
    public OperationProgress Skipping(PlanStep step, string reason)
        => new() { Activity = Activity, Status = AnnounceSkipped(step, reason), IsStep = true, PlanStep = step, StepTotal = Steps.Count, Skipped = true };

    /// <summary>The step texts, in order (what -WhatIf and --dry-run number).</summary>
    public IReadOnlyList<string> Texts => Steps.Select(s => s.Text).ToList();

    /// <summary>Builds numbered steps from (id, text, touches) in order.</summary>
    internal static IReadOnlyList<PlanStep> Number(IEnumerable<(string Id, string Text, string Touches)> steps)
        => steps.Select((s, i) => new PlanStep { Number = i + 1, Id = s.Id, Text = s.Text, Touches = s.Touches }).ToList();
}

/// <summary>The plan of one backup run (<see cref="BackupOperation.Prepare"/>).</summary>
public sealed record BackupPlan : OperationPlan
{
    /// <summary>The request as it will run (validated, the URI's database resolved).</summary>
    public required BackupRequest Request { get; init; }

    /// <summary>
    /// With retention: the backups it would remove after this run, judged now with the new backup counted as the newest
    /// verified one of its series. A run may still hold retention back (a new backup that shrank) or remove one more that
    /// aged past the limit meanwhile. Empty without retention.
    /// </summary>
    public IReadOnlyList<BackupRecord> RetentionWouldRemove { get; init; } = [];
}

/// <summary>The plan of one restore run (<see cref="RestoreOperation.Prepare"/>).</summary>
public sealed record RestorePlan : OperationPlan
{
    /// <summary>The request as it will run (validated, the URI's database resolved).</summary>
    public required RestoreRequest Request { get; init; }

    /// <summary>The backup to restore, as its metadata describes it.</summary>
    public required BackupRecord Backup { get; init; }
}

/// <summary>The plan of one conversion (<see cref="ConvertOperation.Prepare"/>).</summary>
public sealed record ConvertPlan : OperationPlan
{
    public required ConvertRequest Request { get; init; }
    public required BackupRecord Source { get; init; }
}
