using System.Text;

namespace RedisBackup.Engine.Decode;

/// <summary>
/// Which keys a restore (or another reader of a backup) takes: by database, by key pattern (glob, as Redis's
/// <c>SCAN MATCH</c> and <c>KEYS</c> match: <c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[^a-z]</c>, <c>\</c> escapes, byte by
/// byte and case-sensitive) and by type (string, list, set, zset, hash, stream, or a module type name; "module" takes
/// every module value). Empty criteria take everything.
/// </summary>
internal sealed class KeyFilter
{
    private readonly HashSet<int>? _databases;
    private readonly byte[]? _pattern;
    private readonly HashSet<string>? _types;

    public KeyFilter(IReadOnlyCollection<int>? databases, string? match, IReadOnlyCollection<string>? types)
    {
        if (databases is { Count: > 0 }) _databases = [.. databases];
        if (!string.IsNullOrEmpty(match) && match != "*") _pattern = Encoding.UTF8.GetBytes(match);
        if (types is { Count: > 0 }) _types = new HashSet<string>(types, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>True when the filter takes every key.</summary>
    public bool TakesAll => _databases is null && _pattern is null && _types is null;

    public bool TakesDatabase(int database) => _databases is null || _databases.Contains(database);

    public bool TakesKey(ReadOnlySpan<byte> key) => _pattern is null || GlobMatch(_pattern, key);

    /// <param name="type">The data type name ("hash", …), or for a module value the module's type name.</param>
    /// <param name="isModule">True for a module value (the name "module" takes them all).</param>
    public bool TakesType(string type, bool isModule = false)
        => _types is null || _types.Contains(type) || (isModule && _types.Contains("module"));

    public bool Takes(int database, ReadOnlySpan<byte> key, string type, bool isModule = false)
        => TakesDatabase(database) && TakesType(type, isModule) && TakesKey(key);

    /// <summary>
    /// Redis's glob, with its exact edge cases (util.c stringmatchlen, case-sensitive): '*' any run of bytes, '?' one
    /// byte, '[…]' one byte of a class ('^' negates, 'x-y' is a range even when y is ']', '\' escapes, an unclosed class
    /// takes the rest of the pattern), '\' escapes outside a class.
    /// </summary>
    public static bool GlobMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        var giveUp = false;
        return Match(pattern, text, ref giveUp);
    }

    private static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, ref bool giveUp)
    {
        int p = 0, t = 0;
        while (p < pattern.Length && t < text.Length)
        {
            switch (pattern[p])
            {
                case (byte)'*':
                    while (p + 1 < pattern.Length && pattern[p + 1] == '*') p++;
                    if (p == pattern.Length - 1) return true;
                    for (; t < text.Length; t++)
                    {
                        if (Match(pattern[(p + 1)..], text[t..], ref giveUp)) return true;
                        // A later start cannot match where this one failed for want of text: stop trying.
                        if (giveUp) return false;
                    }
                    giveUp = true;
                    return false;
                case (byte)'?':
                    t++;
                    break;
                case (byte)'[':
                    if (!MatchClass(pattern, ref p, text[t])) return false;
                    t++;
                    break;
                default:
                    if (pattern[p] == '\\' && p + 1 < pattern.Length) p++;
                    if (pattern[p] != text[t]) return false;
                    t++;
                    break;
            }
            p++;
            if (t == text.Length)
            {
                while (p < pattern.Length && pattern[p] == '*') p++;
                break;
            }
        }
        return p == pattern.Length && t == text.Length;
    }

    /// <summary>A '[…]' class starting at <paramref name="p"/>; leaves <paramref name="p"/> on its closing ']' (or the pattern's last byte).</summary>
    private static bool MatchClass(ReadOnlySpan<byte> pattern, ref int p, byte b)
    {
        p++;
        var not = p < pattern.Length && pattern[p] == '^';
        if (not) p++;
        var match = false;
        while (true)
        {
            var left = pattern.Length - p;
            if (left >= 2 && pattern[p] == '\\')
            {
                p++;
                if (pattern[p] == b) match = true;
            }
            else if (left > 0 && pattern[p] == ']')
            {
                break;
            }
            else if (left <= 0)
            {
                p--; // an unclosed class: it took the whole rest of the pattern
                break;
            }
            else if (left >= 3 && pattern[p + 1] == '-')
            {
                int start = pattern[p], end = pattern[p + 2];
                if (start > end) (start, end) = (end, start);
                if (b >= start && b <= end) match = true;
                p += 2;
            }
            else if (pattern[p] == b)
            {
                match = true;
            }
            p++;
        }
        return not ? !match : match;
    }
}
