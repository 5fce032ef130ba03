using System.Globalization;

namespace RedisBackup.Engine.Operations;

/// <summary>A time span in words for plans and messages, in the largest unit it reaches: "14 days", "1.5 hours", "0.009 milliseconds".</summary>
internal static class AgeText
{
    public static string Describe(TimeSpan age)
    {
        var (value, unit) = age.Duration() switch
        {
            var a when a >= TimeSpan.FromDays(1) => (age.TotalDays, "day"),
            var a when a >= TimeSpan.FromHours(1) => (age.TotalHours, "hour"),
            var a when a >= TimeSpan.FromMinutes(1) => (age.TotalMinutes, "minute"),
            var a when a >= TimeSpan.FromSeconds(1) => (age.TotalSeconds, "second"),
            _ => (age.TotalMilliseconds, "millisecond"),
        };
        var text = value.ToString("0.###", CultureInfo.InvariantCulture);
        return text == "1" ? $"1 {unit}" : $"{text} {unit}s";
    }
}
