using System.Globalization;
using System.Text.RegularExpressions;

namespace RedisBackup.Cli.Options;

/// <summary>Parses --max-age values: a number with a unit (90s, 30m, 12h, 7d, 2w) or a .NET time span (7.00:00:00).</summary>
internal static partial class DurationParser
{
    [GeneratedRegex(@"^\s*(?<n>\d+(\.\d+)?)\s*(?<u>s|m|h|d|w)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WithUnit();

    public static bool TryParse(string text, out TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(text);
        var m = WithUnit().Match(text);
        if (m.Success)
        {
            var n = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            value = char.ToLowerInvariant(m.Groups["u"].Value[0]) switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => TimeSpan.FromDays(7 * n),
            };
            return true;
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }
}
