using System.Globalization;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Export;

/// <summary>What a key-level export found of the source's function libraries.</summary>
/// <param name="Libraries">The libraries (FUNCTION DUMP), or null when the server has none or they could not be read.</param>
/// <param name="NotCaptured">Why the server's libraries are not in the backup (FUNCTION DUMP refused), or null.</param>
internal sealed record CapturedFunctions(FunctionLibraries? Libraries, string? NotCaptured);

/// <summary>
/// Reads the source's function libraries before a key-level export writes its header (so the header's
/// <c>requires</c> can name <c>functions</c> exactly when the file holds them): one <c>FUNCTION DUMP</c>. A server
/// without functions (before Redis 7.0) or without any library gives nothing. When FUNCTION DUMP is refused (an ACL
/// without <c>+function</c>, a renamed command), INFO memory's <c>number_of_libraries</c> says whether anything is lost:
/// none, nothing to say; some, or no way to tell on a server that has functions, and the backup says it does not hold
/// them (<see cref="CapturedFunctions.NotCaptured"/>), which both fronts show as a warning.
/// </summary>
internal static class FunctionCapture
{
    public static async Task<CapturedFunctions> ReadAsync(RedisConnection conn, string? serverVersion, CancellationToken ct)
    {
        var reply = await conn.ExecuteRawAsync(["FUNCTION", "DUMP"], ct).ConfigureAwait(false);
        if (!reply.IsError)
        {
            if (reply.IsNull) return new CapturedFunctions(null, null);
            FunctionLibraries libraries;
            try
            {
                libraries = FunctionLibraries.FromPayload(reply.Bytes!);
            }
            catch (FormatException ex)
            {
                throw new Errors.RedisBackupException(Errors.ErrorKind.ProtocolError, ErrorIds.RedisUnexpectedReply, $"FUNCTION DUMP returned a payload this tool cannot read: {ex.Message}", conn.Endpoint.ToString(), ex);
            }
            return new CapturedFunctions(libraries.Count > 0 ? libraries : null, null);
        }
        var refusal = reply.AsString() ?? "";
        var memory = await conn.TryInfoAsync("memory", ct).ConfigureAwait(false);
        if (memory.TryGetValue("number_of_libraries", out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            if (count == 0) return new CapturedFunctions(null, null);
            return new CapturedFunctions(null,
                $"the server holds {count} function librar{(count == 1 ? "y" : "ies")}, but FUNCTION DUMP was refused ({refusal}), so the backup does not hold them; " +
                "grant the backup user +function|dump to include them");
        }
        // No count: a server before functions existed (Redis 6 and older) has none to lose.
        if (memory.Count > 0 || (serverVersion is not null && RedisConnection.ParseVersion(serverVersion).Major < 7)) return new CapturedFunctions(null, null);
        return new CapturedFunctions(null,
            $"FUNCTION DUMP was refused ({refusal}) and INFO does not say whether the server holds function libraries; if it does, the backup does not hold them. " +
            "Grant the backup user +function|dump (and +info) to include them");
    }
}
