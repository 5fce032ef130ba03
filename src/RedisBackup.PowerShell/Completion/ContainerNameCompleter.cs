using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using RedisBackup.Engine.Docker;

namespace RedisBackup.PowerShell.Completion;

/// <summary>Tab completion for -Container: the names of running containers. Silent (no results) when Docker does not answer.</summary>
public sealed class ContainerNameCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<ContainerSummary> containers;
        try
        {
            using var cts = new CancellationTokenSource(Budget);
            containers = RunningContainers.ListAsync(cts.Token).GetAwaiter().GetResult();
        }
#pragma warning disable CA1031 // Completion must never surface an error in the user's prompt, whatever Docker does.
        catch (Exception)
#pragma warning restore CA1031
        {
            return [];
        }
        var byName = containers.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        return CompletionText.Matching(byName.Keys, wordToComplete)
            .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, $"{name} ({byName[name].Image}, {byName[name].State})"))
            .ToList();
    }
}
