using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using RedisBackup.Engine.Catalog;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Completion;

/// <summary>
/// Tab completion for backup names: the catalog named by the command's -CatalogPath (or its alias -Directory, already typed), else the
/// default catalog. Newest first, since that is usually the one wanted. Silent when the catalog cannot be read.
/// </summary>
public sealed class BackupNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<RedisBackup.Engine.Model.BackupRecord> backups;
        try
        {
            var typed = (fakeBoundParameters?["CatalogPath"] ?? fakeBoundParameters?["Directory"]) as string;
            var text = RequestFactory.CatalogDirectoryText(typed);
            // Completion runs in the session's runspace: resolve relative paths against its current location.
            var directory = System.IO.Path.IsPathRooted(text) ? text : ResolveInSession(text);
            backups = new BackupCatalog(directory).List();
        }
#pragma warning disable CA1031 // Completion must never surface an error in the user's prompt.
        catch (Exception)
#pragma warning restore CA1031
        {
            return [];
        }
        var byName = backups.GroupBy(b => b.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        return CompletionText.Matching(backups.Reverse().Select(b => b.Name), wordToComplete)
            .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue,
                $"{byName[name].Kind}, {byName[name].CreatedAt:u}"))
            .ToList();
    }

    private static string ResolveInSession(string relative)
    {
        using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        var location = ps.AddCommand("Get-Location").Invoke<PathInfo>().FirstOrDefault()?.ProviderPath;
        return System.IO.Path.GetFullPath(relative, location ?? Environment.CurrentDirectory);
    }
}
