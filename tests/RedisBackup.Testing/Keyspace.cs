using System.Globalization;

namespace RedisBackup.Testing;

/// <summary>Reads INFO keyspace ("db0" → "keys=N,expires=M,avg_ttl=…").</summary>
public static class Keyspace
{
    /// <summary>Keys and keys with an expiry, per database.</summary>
    public static Dictionary<int, (long Keys, long Expires)> Parse(IEnumerable<KeyValuePair<string, string>> info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var result = new Dictionary<int, (long, long)>();
        foreach (var (name, value) in info)
        {
            if (!name.StartsWith("db", StringComparison.Ordinal)) continue;
            var db = int.Parse(name[2..], CultureInfo.InvariantCulture);
            var fields = value.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
            result[db] = (long.Parse(fields["keys"], CultureInfo.InvariantCulture), long.Parse(fields["expires"], CultureInfo.InvariantCulture));
        }
        return result;
    }

    /// <summary>Keys over every database.</summary>
    public static long TotalKeys(IEnumerable<KeyValuePair<string, string>> info) => Parse(info).Values.Sum(v => v.Keys);
}
