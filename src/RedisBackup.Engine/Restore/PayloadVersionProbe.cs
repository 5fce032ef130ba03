using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Whether a target accepts RESTORE payloads of an RDB version, asked before anything is sent when its release is
/// unknown (INFO not permitted, so <see cref="RdbVersions.Accepts"/> cannot answer). Two payloads of the same empty
/// string differ only in their version: a control of RDB 9, which every server with ABSTTL (Redis 5.0 and later, Valkey)
/// reads, and the version in question. Each is RESTOREd under an unused key name with ABSTTL at 1 ms after the epoch: the
/// server checks a payload's version and CRC64 before its expiry, and a key that arrives already expired is dropped, not
/// written. So a payload the server accepts is answered +OK and writes nothing, and one it refuses is answered with an
/// error. The answer comes from comparing the two replies, never from their text: the control accepted and the version
/// refused means the server is older than the version; both accepted means it reads it; anything else (both refused: an
/// ACL key pattern that excludes the probe's name, a server without ABSTTL) is unknown.
/// </summary>
internal static class PayloadVersionProbe
{
    /// <summary>The control's version: RDB 9 (Redis 5.0–6.2), read by every server that knows ABSTTL.</summary>
    private const ushort ControlVersion = 9;

    /// <returns>True when the server accepts payloads of <paramref name="rdbVersion"/>, false when it refuses them and accepts the control, null when the probe cannot tell.</returns>
    public static async Task<bool?> AcceptsAsync(RedisConnection connection, int rdbVersion, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (rdbVersion is < 1 or > ushort.MaxValue) return false;
        var control = await AcceptedAsync(connection, ControlVersion, ct).ConfigureAwait(false);
        if (!control) return null;
        return await AcceptedAsync(connection, (ushort)rdbVersion, ct).ConfigureAwait(false);
    }

    private static async Task<bool> AcceptedAsync(RedisConnection connection, ushort version, CancellationToken ct)
    {
        // Type 0 (a string) whose value is the empty string (a 6-bit length of 0).
        var payload = DumpPayload.Create(0, [0], version);
        var probeKey = "redisbackup:version-probe:" + Guid.NewGuid().ToString("N");
        var reply = await connection.ExecuteRawAsync(["RESTORE", probeKey, 1, payload, "ABSTTL"], ct).ConfigureAwait(false);
        return !reply.IsError;
    }
}
