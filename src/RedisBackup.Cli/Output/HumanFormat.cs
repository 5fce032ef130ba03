using System.Globalization;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;

namespace RedisBackup.Cli.Output;

/// <summary>Small formatting rules for human output: sizes, counts, times, kinds. Culture-invariant so logs compare.</summary>
internal static class HumanFormat
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    /// <summary>1536 → "1.5 KiB"; below 1 KiB the exact byte count.</summary>
    public static string Size(long bytes)
    {
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString(value < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " " + Units[unit];
    }

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Count(long? n) => n is null ? "?" : Count(n.Value);

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>A rough age: "45 s", "12 min", "3 h 5 min", "2 d 4 h".</summary>
    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero) age = TimeSpan.Zero;
        if (age.TotalMinutes < 1) return $"{(int)age.TotalSeconds} s";
        if (age.TotalHours < 1) return $"{(int)age.TotalMinutes} min";
        if (age.TotalDays < 1) return $"{(int)age.TotalHours} h {age.Minutes} min";
        return $"{(int)age.TotalDays} d {age.Hours} h";
    }

    public static string Duration(TimeSpan d) => d.TotalSeconds < 60
        ? d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"
        : Age(d);

    /// <summary>
    /// A file name (or any text from outside) for a terminal: control characters escaped as \n, \r, \t or \xHH and a
    /// backslash doubled, so a name with a newline cannot print a fake extra row and every name reads back unambiguously.
    /// </summary>
    public static string Name(string? text) => Escape(text, backslashes: true);

    /// <summary>A message line for stderr: control characters escaped as in <see cref="Name"/>, backslashes (Windows paths) kept.</summary>
    public static string Line(string? text) => Escape(text, backslashes: false);

    private static string Escape(string? text, bool backslashes)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        if (!text.Any(c => char.IsControl(c) || (backslashes && c == '\\'))) return text;
        var sb = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            sb.Append(c switch
            {
                '\\' when backslashes => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => c < 0x100 ? "\\x" + ((int)c).ToString("X2", CultureInfo.InvariantCulture) : "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>The --kind vocabulary: "keys" or "rdb".</summary>
    public static string Kind(BackupKind kind) => kind == BackupKind.Snapshot ? "rdb" : "keys";

    public static string Verification(VerificationState state, VerificationLevel? level = null) => state switch
    {
        VerificationState.Verified when level == VerificationLevel.Partial => "partial",
        VerificationState.Verified => "yes",
        VerificationState.Failed => "FAILED",
        _ => "no",
    };
}
