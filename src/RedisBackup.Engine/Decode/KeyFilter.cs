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

    /// <summary>Redis's glob (util.c stringmatchlen, case-sensitive): '*', '?', '[…]' with '^' and ranges, '\' escapes.</summary>
    public static bool GlobMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                var c = pattern[p];
                if (c == '*')
                {
                    while (p < pattern.Length && pattern[p] == '*') p++;
                    if (p == pattern.Length) return true;
                    starP = p;
                    starT = t;
                    continue;
                }
                if (c == '?')
                {
                    p++;
                    t++;
                    continue;
                }
                if (c == '[')
                {
                    if (MatchClass(pattern, ref p, text[t]))
                    {
                        t++;
                        continue;
                    }
                }
                else
                {
                    if (c == '\\' && p + 1 < pattern.Length) c = pattern[++p];
                    if (c == text[t])
                    {
                        p++;
                        t++;
                        continue;
                    }
                }
            }
            if (starP < 0) return false;
            // Let the last '*' take one more byte and try again from there.
            p = starP;
            t = ++starT;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    /// <summary>A '[…]' class at <paramref name="p"/>; on a match moves <paramref name="p"/> past it.</summary>
    private static bool MatchClass(ReadOnlySpan<byte> pattern, ref int p, byte b)
    {
        var i = p + 1;
        var not = i < pattern.Length && pattern[i] == '^';
        if (not) i++;
        var match = false;
        while (i < pattern.Length && pattern[i] != ']')
        {
            if (pattern[i] == '\\' && i + 1 < pattern.Length)
            {
                i++;
                if (pattern[i] == b) match = true;
            }
            else if (i + 2 < pattern.Length && pattern[i + 1] == '-' && pattern[i + 2] != ']')
            {
                int start = pattern[i], end = pattern[i + 2];
                if (start > end) (start, end) = (end, start);
                if (b >= start && b <= end) match = true;
                i += 2;
            }
            else if (pattern[i] == b)
            {
                match = true;
            }
            i++;
        }
        // An unclosed class ends at the pattern's end, as in Redis.
        if (not) match = !match;
        if (!match) return false;
        p = i < pattern.Length ? i + 1 : i;
        return true;
    }
}
