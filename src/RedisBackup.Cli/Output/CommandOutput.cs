using System.Text.Json.Nodes;

namespace RedisBackup.Cli.Output;

/// <summary>
/// Where each kind of text goes for one command run: results on stdout (human text, or the one JSON document),
/// the step log and warnings on stderr. --quiet silences everything but errors; --json keeps stdout for the JSON only.
/// </summary>
internal sealed class CommandOutput(CliHost host, OutputMode mode)
{
    public CliHost Host { get; } = host;
    public OutputMode Mode { get; } = mode;
    public bool IsHuman => Mode == OutputMode.Human;
    public bool IsJson => Mode == OutputMode.Json;

    /// <summary>A result line on stdout (human mode only).</summary>
    public void Result(string line)
    {
        if (IsHuman) Host.Out.WriteLine(line);
    }

    /// <summary>A step-log or header line on stderr (human mode only).</summary>
    public void Log(string line)
    {
        if (IsHuman) Host.Error.WriteLine(line);
    }

    /// <summary>A warning on stderr, in every mode but --quiet.</summary>
    public void Warn(string message)
    {
        if (Mode != OutputMode.Quiet) Host.Error.WriteLine("redis-backup: warning: " + message);
    }

    /// <summary>A problem that makes the command fail (exit code 1) without an exception: always on stderr.</summary>
    public void Problem(string message) => Host.Error.WriteLine("redis-backup: " + message);

    public void Json<T>(T value)
    {
        if (IsJson) JsonOutput.Write(Host.Out, value);
    }

    public void Json(JsonNode node)
    {
        if (IsJson) JsonOutput.Write(Host.Out, node);
    }

    /// <summary>The progress sink for an engine operation: none for --quiet and --json, step lines otherwise, plus a live line on a terminal.</summary>
    public ConsoleProgress? CreateProgress() => IsHuman ? new ConsoleProgress(Host.Error, Host.ErrorIsTerminal, Host.TerminalWidth) : null;

    /// <summary>
    /// Prints a dry-run plan: its numbered steps on stdout, then, for a backup with retention, the backups retention would
    /// remove; or {"dryRun":true,"steps":[…],"plan":[{number,id,text,touches}…],"retentionWouldRemove":[…]} with --json.
    /// </summary>
    public void Plan(string title, Engine.Operations.OperationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var retention = plan is Engine.Operations.BackupPlan backup && backup.FindStep(Engine.Model.PlanStepIds.Retention) is not null
            ? backup.RetentionWouldRemove : null;
        if (IsJson)
        {
            var node = new JsonObject
            {
                ["dryRun"] = true,
                ["steps"] = new JsonArray(plan.Steps.Select(s => (JsonNode?)JsonValue.Create(s.Text)).ToArray()),
                ["plan"] = new JsonArray(plan.Steps.Select(s => (JsonNode?)new JsonObject
                {
                    ["number"] = s.Number, ["id"] = s.Id, ["text"] = s.Text, ["touches"] = s.Touches,
                }).ToArray()),
            };
            if (retention is not null) node["retentionWouldRemove"] = new JsonArray(retention.Select(b => (JsonNode?)JsonValue.Create(b.Path)).ToArray());
            Json(node);
            return;
        }
        Result($"Dry run: nothing was changed. {title}:");
        foreach (var step in plan.Steps) Result($"  {step.Number}. {step.Text}");
        if (retention is null) return;
        if (retention.Count == 0) Result("Retention would remove no backup.");
        else
        {
            Result("Retention would remove:");
            foreach (var b in retention) Result($"  {b.Path}");
        }
    }
}
