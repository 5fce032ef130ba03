using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Redis;

// What the server says about itself: INFO and CONFIG GET, parsed, and its version.
internal sealed partial class RedisConnection
{
    /// <summary>INFO [section] parsed into key/value pairs.</summary>
    public async Task<IReadOnlyDictionary<string, string>> InfoAsync(string? section = null, CancellationToken ct = default)
    {
        var reply = section is null ? await ExecuteAsync(ct, "INFO").ConfigureAwait(false) : await ExecuteAsync(ct, "INFO", section).ConfigureAwait(false);
        return ParseInfo(reply.AsString() ?? "");
    }

    /// <summary>INFO [section] parsed, or an empty dictionary when the server refuses INFO (an ACL without it, a renamed command).</summary>
    public async Task<IReadOnlyDictionary<string, string>> TryInfoAsync(string section, CancellationToken ct = default)
    {
        var reply = await ExecuteRawAsync(["INFO", section], ct).ConfigureAwait(false);
        if (!reply.IsError) return ParseInfo(reply.AsString() ?? "");
        var text = reply.AsString() ?? "";
        if (text.StartsWith("NOAUTH", StringComparison.Ordinal) || text.StartsWith("WRONGPASS", StringComparison.Ordinal))
            throw RedisServerException.FromReply(text, "INFO");
        return new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>
    /// The server's own version from INFO server: valkey_version on Valkey (whose redis_version is a fixed compatibility
    /// value, 7.2.4 on Valkey 8), else redis_version.
    /// </summary>
    public static string? ServerVersionOf(IReadOnlyDictionary<string, string> info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.GetValueOrDefault("valkey_version") ?? info.GetValueOrDefault("redis_version");
    }

    public static Dictionary<string, string> ParseInfo(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) result[line[..colon]] = line[(colon + 1)..];
        }
        return result;
    }

    /// <summary>CONFIG GET name → value, or null when the server refuses CONFIG or does not know the name.</summary>
    public async Task<string?> TryConfigGetAsync(string name, CancellationToken ct = default)
    {
        var reply = await ExecuteRawAsync(["CONFIG", "GET", name], ct).ConfigureAwait(false);
        if (reply.IsError || reply.Type != RespType.Array || reply.Items!.Length < 2) return null;
        return reply.Items[1].AsString();
    }

    /// <summary>Parses "7.0.15" style versions; returns 0.0 when absent.</summary>
    public static Version ParseVersion(string? text)
        => Version.TryParse((text ?? "").Split('-')[0], out var v) ? v : new Version(0, 0);
}
