using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Export;

/// <summary>
/// Before a key-level export writes its header: whether the file may hold logical stream records, so that the header
/// requires <c>streamRecords</c> exactly when a reader must know them. The header goes out before any key is read, and
/// which stream is over the limit is known only when it is dumped; so the file may hold them when streams are
/// exported and the selected databases hold a stream now (<c>SCAN … TYPE stream</c>, stopping at the first).
/// A file without the requirement stays readable by every older release; a stream created after this probe found none
/// is written as its DUMP payload, whatever its size (nothing lost; only that key is held whole).
/// </summary>
internal static class StreamProbe
{
    public static async Task<bool> MayHoldStreamRecordsAsync(RedisConnection conn, KeyExportOptions options, IReadOnlyList<int> databases, CancellationToken ct)
    {
        if (options.Types is { Count: > 0 } types && !types.Any(t => (Formats.KeyTypeNames.Normalize(t) ?? t) == "stream")) return false;
        foreach (var db in databases)
        {
            await conn.SelectAsync(db, ct).ConfigureAwait(false);
            var cursor = "0"u8.ToArray();
            do
            {
                ct.ThrowIfCancellationRequested();
                var args = new List<RedisArg>(8) { "SCAN", cursor };
                if (options.Match is not null) { args.Add("MATCH"); args.Add(options.Match); }
                args.Add("COUNT"); args.Add(KeyScanner.ScanCount);
                args.Add("TYPE"); args.Add("stream");
                var reply = await conn.ExecuteRawAsync([.. args], ct).ConfigureAwait(false);
                if (reply.IsError) return true; // a server without SCAN's TYPE (before 6.0): it may hold streams
                var parts = reply.AsArray();
                if (parts.Length != 2) return true;
                if (parts[1].AsArray().Length > 0) return true;
                cursor = parts[0].Bytes ?? "0"u8.ToArray();
            }
            while (cursor is not [(byte)'0']);
        }
        return false;
    }
}
