using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Whether the target lets this connection run RESTORE, asked once before anything is written: a RESTORE of a payload
/// the server refuses (an invalid one, under a key name no one uses) writes nothing, and its reply says whether the
/// command itself is allowed. "NOPERM … to run the 'restore' command" and an unknown (renamed) command mean no; a
/// refusal of the key name only (an ACL key pattern), BUSYKEY or the payload error mean yes. A logical restore that may
/// not run RESTORE writes with typed commands instead; payloads that only RESTORE can load (an exact backup, an RDB
/// replay) are refused before anything is written.
/// </summary>
internal static class RestorePermission
{
    /// <returns>Null when RESTORE is allowed, otherwise the server's refusal.</returns>
    public static async Task<string?> CheckAsync(RedisConnection connection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var probeKey = "redisbackup:restore-probe:" + Guid.NewGuid().ToString("N");
        var reply = await connection.ExecuteRawAsync(["RESTORE", probeKey, 0, "\u0000"], ct).ConfigureAwait(false);
        if (!reply.IsError) return null; // not expected for an invalid payload; then it is certainly allowed
        var text = reply.AsString() ?? "";
        if (text.StartsWith("NOAUTH", StringComparison.Ordinal) || text.StartsWith("WRONGPASS", StringComparison.Ordinal))
            throw RedisServerException.FromReply(text, "RESTORE");
        var commandRefused = text.StartsWith("NOPERM", StringComparison.Ordinal) && text.Contains("to run", StringComparison.OrdinalIgnoreCase);
        var unknown = text.StartsWith("ERR unknown command", StringComparison.OrdinalIgnoreCase);
        return commandRefused || unknown ? text : null;
    }

    /// <summary>The error for a restore that can only be done with RESTORE when the target refuses it.</summary>
    public static RedisBackupException Refused(RedisEndpoint target, string what, string reply)
        => new(ErrorKind.PermissionDenied, ErrorIds.RestoreNotPermitted,
            $"{what} can only be restored with RESTORE, which {(target.User is null ? "the default user" : $"the user '{target.User}'")} on {target.Address} may not run ({reply}). " +
            "Nothing was written. Grant the user +restore (docs/reliability.md lists what each kind of restore needs), or restore a logical key-level backup, which falls back to typed writes.",
            target.ToString());
}
