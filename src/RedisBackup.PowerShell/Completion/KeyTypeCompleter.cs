using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using RedisBackup.Engine.Formats;

namespace RedisBackup.PowerShell.Completion;

/// <summary>Tab completion for -Type: the built-in key types (a module's type name is typed as it is).</summary>
public sealed class KeyTypeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
        => CompletionText.Matching(KeyTypeNames.BuiltIn, wordToComplete)
            .Select(t => new CompletionResult(t, t, CompletionResultType.ParameterValue, $"keys of type {t}"))
            .ToList();
}

/// <summary>
/// Validates -Type while binding: a built-in type (string, hash, list, set, zset, stream, any case) or a module's
/// 9-character type name (and, with <see cref="AllowModule"/>, "module" for every module value); anything else, such as
/// a typo, is refused before anything runs.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateKeyTypeAttribute : ValidateEnumeratedArgumentsAttribute
{
    /// <summary>Also take "module" (every module value): restore filters, which see module values by their type.</summary>
    public bool AllowModule { get; set; }

    protected override void ValidateElement(object element)
    {
        var name = element as string ?? element?.ToString();
        if (AllowModule ? !KeyTypeNames.IsValidFilter(name) : !KeyTypeNames.IsValid(name))
            throw new ValidationMetadataException(
                $"'{name}' is not a key type. Use string, hash, list, set, zset or stream, or a module's type name (exactly 9 characters, such as ReJSON-RL)"
                + (AllowModule ? ", or module for every module value." : "."));
    }
}
