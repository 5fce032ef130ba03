using System.Text.RegularExpressions;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Formats;

/// <summary>
/// The type names a key-level backup may select (--type, -Type): the six built-in types Redis's TYPE command reports,
/// case-insensitive, and module type names. A module type name is exactly nine characters of A–Z, a–z, 0–9, '-' and
/// '_' (Redis refuses any other when a module registers its type), which no built-in name and no typo of one such as
/// "strng" or "hashes" has, so the two kinds can be told apart; module names are kept as typed, since TYPE reports them
/// case-sensitively. Anything else is refused: a typo must not make an empty "successful" backup.
/// </summary>
public static partial class KeyTypeNames
{
    /// <summary>The built-in types, in the order help and completion show them.</summary>
    public static IReadOnlyList<string> BuiltIn { get; } = ["string", "hash", "list", "set", "zset", "stream"];

    [GeneratedRegex("^[A-Za-z0-9_-]{9}$", RegexOptions.CultureInvariant)]
    private static partial Regex ModuleTypeName();

    /// <summary>True for a built-in type (any case) or a name shaped like a module type name.</summary>
    public static bool IsValid(string? name) => Normalize(name) is not null;

    /// <summary>The name as the server reports it (built-in names lower-cased), or null when it is neither a built-in nor a module type name.</summary>
    public static string? Normalize(string? name)
    {
        if (string.IsNullOrEmpty(name)) return null;
        var builtIn = BuiltIn.FirstOrDefault(t => string.Equals(t, name, StringComparison.OrdinalIgnoreCase));
        if (builtIn is not null) return builtIn;
        return ModuleTypeName().IsMatch(name) ? name : null;
    }

    /// <summary>The name a restore filter takes for every module value.</summary>
    public const string AnyModule = "module";

    /// <summary>A restore filter's type: <see cref="IsValid"/>, or "module" (any case) for every module value.</summary>
    public static bool IsValidFilter(string? name) => IsValid(name) || string.Equals(name, AnyModule, StringComparison.OrdinalIgnoreCase);

    /// <summary>The normalized list; throws InvalidArgument "InvalidKeyType" naming the first unknown value.</summary>
    public static IReadOnlyList<string>? Validate(IReadOnlyList<string>? names)
    {
        if (names is null) return null;
        var result = new List<string>(names.Count);
        foreach (var name in names)
        {
            var normalized = Normalize(name)
                ?? throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidKeyType,
                    $"'{name}' is not a key type. Use string, hash, list, set, zset or stream, or a module's type name (exactly 9 characters, such as ReJSON-RL). Nothing was backed up.", name);
            if (!result.Contains(normalized, StringComparer.Ordinal)) result.Add(normalized);
        }
        return result;
    }
}
