namespace RedisBackup.Engine.Redis;

/// <summary>
/// Whether a server has hash field expiration (HPEXPIRETIME, HPEXPIREAT, …: Redis 7.4 and later, Valkey 9 and later).
/// Asked once per export or restore: <c>COMMAND INFO HPEXPIRETIME</c> describes the command on a server that has it
/// and answers nil on one that does not; where COMMAND is refused (ACLs, proxies), the release in INFO server decides.
/// </summary>
internal static class HashFieldExpiration
{
    public static async Task<bool> IsSupportedAsync(RedisConnection connection, IReadOnlyDictionary<string, string> serverInfo, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var reply = await connection.ExecuteRawAsync(["COMMAND", "INFO", "HPEXPIRETIME"], ct).ConfigureAwait(false);
        if (reply.Type == RespType.Array && reply.Items is [var entry])
            return entry.Type == RespType.Array && entry.Items is { Length: > 0 };
        return ByRelease(serverInfo);
    }

    /// <summary>From INFO server alone: Redis 7.4+ or Valkey 9+.</summary>
    public static bool ByRelease(IReadOnlyDictionary<string, string> serverInfo)
    {
        ArgumentNullException.ThrowIfNull(serverInfo);
        if (serverInfo.GetValueOrDefault("server_name") == "valkey" || serverInfo.ContainsKey("valkey_version"))
            return RedisConnection.ParseVersion(serverInfo.GetValueOrDefault("valkey_version")).Major >= 9;
        return RedisConnection.ParseVersion(serverInfo.GetValueOrDefault("redis_version")) >= new Version(7, 4);
    }
}
