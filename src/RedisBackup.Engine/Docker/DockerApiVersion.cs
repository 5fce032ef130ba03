using System.Globalization;

namespace RedisBackup.Engine.Docker;

/// <summary>A Docker Engine API version such as 1.41, compared numerically (1.9 &lt; 1.41).</summary>
internal readonly record struct ApiVersionValue(int Major, int Minor) : IComparable<ApiVersionValue>
{
    /// <summary>The newest API version this client was written against; the server's maximum wins when lower.</summary>
    public static readonly ApiVersionValue Client = new(1, 47);

    public static bool TryParse(string? text, out ApiVersionValue version)
    {
        version = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Trim().TrimStart('v').Split('.');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
            return false;
        version = new ApiVersionValue(major, minor);
        return true;
    }

    /// <summary>min(client, server); the client's version when the server did not say.</summary>
    public static ApiVersionValue Negotiate(string? serverHeader)
        => TryParse(serverHeader, out var server) && server.CompareTo(Client) < 0 ? server : Client;

    public int CompareTo(ApiVersionValue other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public static bool operator <(ApiVersionValue a, ApiVersionValue b) => a.CompareTo(b) < 0;
    public static bool operator >(ApiVersionValue a, ApiVersionValue b) => a.CompareTo(b) > 0;
    public static bool operator <=(ApiVersionValue a, ApiVersionValue b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ApiVersionValue a, ApiVersionValue b) => a.CompareTo(b) >= 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");
}
