using System.Management.Automation;

namespace RedisBackup.PowerShell.Completion;

/// <summary>Shared matching for the completers: a prefix, or a wildcard pattern when the user typed one.</summary>
internal static class CompletionText
{
    public static IEnumerable<string> Matching(IEnumerable<string> candidates, string? wordToComplete)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = WildcardPattern.Get(WildcardPattern.ContainsWildcardCharacters(word) ? word : word + "*", WildcardOptions.IgnoreCase);
        return candidates.Where(c => !string.IsNullOrEmpty(c) && pattern.IsMatch(c)).Distinct(StringComparer.Ordinal);
    }
}
