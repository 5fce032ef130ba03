using System.Globalization;
using System.Text;

namespace RedisBackup.Engine.Docker;

/// <summary>One directive of a Redis configuration: its lower-case name and its arguments.</summary>
internal sealed record ConfigDirective(string Name, IReadOnlyList<string> Args);

/// <summary>
/// Reads Redis configuration the way redis-server does: a config file (one directive per line, '#' comments,
/// arguments split like sdssplitargs with "double" and 'single' quotes) and the command line
/// (<c>redis-server [configfile] [--name value…]…</c>, where the options are applied after the file).
/// </summary>
internal static class RedisConfigText
{
    /// <summary>The directives of a config file, in order. Throws FormatException on unbalanced quotes (redis-server would not start).</summary>
    public static List<ConfigDirective> ParseFile(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<ConfigDirective>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var args = SplitArgs(line) ?? throw new FormatException($"line {lineNumber.ToString(CultureInfo.InvariantCulture)} has unbalanced quotes: {line}");
            if (args.Count == 0) continue;
            list.Add(new ConfigDirective(args[0].ToLowerInvariant(), args.Skip(1).ToList()));
        }
        return list;
    }

    /// <summary>
    /// Splits the arguments that follow <c>redis-server</c>: an optional config file first (any argument not
    /// starting with '-'), then <c>--name value…</c> groups. "-" as the config file means standard input.
    /// </summary>
    public static (string? ConfigFile, List<ConfigDirective> Options) ParseCommandLine(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? configFile = null;
        var start = 0;
        if (args.Count > 0 && (args[0] == "-" || !args[0].StartsWith('-')))
        {
            configFile = args[0];
            start = 1;
        }
        var options = new List<ConfigDirective>();
        string? name = null;
        var values = new List<string>();
        for (var i = start; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                if (name is not null) options.Add(new ConfigDirective(name, values));
                name = arg[2..].ToLowerInvariant();
                values = [];
            }
            else if (name is not null)
            {
                values.Add(arg);
            }
        }
        if (name is not null) options.Add(new ConfigDirective(name, values));
        return (configFile, options);
    }

    /// <summary>sdssplitargs: null when quotes are unbalanced or a closing quote is not followed by a space.</summary>
    internal static List<string>? SplitArgs(string line)
    {
        var args = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i >= line.Length) return args;
            var current = new StringBuilder();
            var inDouble = false;
            var inSingle = false;
            var done = false;
            while (!done)
            {
                if (inDouble)
                {
                    if (i >= line.Length) return null;
                    var c = line[i];
                    if (c == '\\' && i + 3 < line.Length && line[i + 1] == 'x' && IsHex(line[i + 2]) && IsHex(line[i + 3]))
                    {
                        current.Append((char)int.Parse(line.AsSpan(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 3;
                    }
                    else if (c == '\\' && i + 1 < line.Length)
                    {
                        i++;
                        current.Append(line[i] switch { 'n' => '\n', 'r' => '\r', 't' => '\t', 'b' => '\b', 'a' => '\a', var other => other });
                    }
                    else if (c == '"')
                    {
                        if (i + 1 < line.Length && !char.IsWhiteSpace(line[i + 1])) return null;
                        done = true;
                    }
                    else
                    {
                        current.Append(c);
                    }
                }
                else if (inSingle)
                {
                    if (i >= line.Length) return null;
                    var c = line[i];
                    if (c == '\\' && i + 1 < line.Length && line[i + 1] == '\'')
                    {
                        i++;
                        current.Append('\'');
                    }
                    else if (c == '\'')
                    {
                        if (i + 1 < line.Length && !char.IsWhiteSpace(line[i + 1])) return null;
                        done = true;
                    }
                    else
                    {
                        current.Append(c);
                    }
                }
                else
                {
                    if (i >= line.Length)
                    {
                        done = true;
                        continue;
                    }
                    var c = line[i];
                    if (char.IsWhiteSpace(c)) done = true;
                    else if (c == '"') inDouble = true;
                    else if (c == '\'') inSingle = true;
                    else current.Append(c);
                }
                if (i < line.Length) i++;
            }
            args.Add(current.ToString());
        }
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);
}
