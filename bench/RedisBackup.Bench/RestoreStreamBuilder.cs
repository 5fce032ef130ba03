using RedisBackup.Engine.Redis;

namespace RedisBackup.Bench;

/// <summary>
/// Builds the restore baseline's input: every key of a server as `RESTORE key absttl payload REPLACE ABSTTL`
/// (DUMP + PTTL read with our RESP client, pipelined in batches), per database after a SELECT.
/// This is the stream `redis-cli --pipe` replays; building it is not timed.
/// </summary>
internal static class RestoreStreamBuilder
{
    private const int Batch = 1000;

    public static async Task<long> WriteAsync(RedisServer server, string path, CancellationToken ct)
    {
        await using var scan = await server.ConnectAsync(ct).ConfigureAwait(false);
        await using var reader = await server.ConnectAsync(ct).ConfigureAwait(false);
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        var resp = new RespEncoder(file);
        long keys = 0;
        foreach (var db in await DatabasesAsync(scan, ct).ConfigureAwait(false))
        {
            await scan.SelectAsync(db, ct).ConfigureAwait(false);
            await reader.SelectAsync(db, ct).ConfigureAwait(false);
            resp.Begin(2);
            resp.Arg("SELECT");
            resp.Arg(db);
            var cursor = "0";
            do
            {
                var page = (await scan.ExecuteAsync(ct, "SCAN", cursor, "COUNT", Batch).ConfigureAwait(false)).AsArray();
                cursor = page[0].AsString()!;
                var batch = page[1].AsArray();
                if (batch.Length == 0) continue;
                foreach (var key in batch)
                {
                    reader.WriteCommand("DUMP", key.Bytes!);
                    reader.WriteCommand("PTTL", key.Bytes!);
                }
                await reader.FlushAsync(ct).ConfigureAwait(false);
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                foreach (var key in batch)
                {
                    var payload = (await reader.ReadReplyAsync(ct).ConfigureAwait(false)).ThrowIfError("DUMP");
                    var ttl = (await reader.ReadReplyAsync(ct).ConfigureAwait(false)).ThrowIfError("PTTL").AsInt64();
                    if (payload.IsNull || ttl == -2) continue; // vanished between SCAN and DUMP
                    resp.Begin(6);
                    resp.Arg("RESTORE");
                    resp.Arg(key.Bytes);
                    resp.Arg(ttl > 0 ? now + ttl : 0);
                    resp.Arg(payload.Bytes);
                    resp.Arg("REPLACE");
                    resp.Arg("ABSTTL");
                    keys++;
                }
            }
            while (cursor != "0");
        }
        return keys;
    }

    private static async Task<List<int>> DatabasesAsync(RedisConnection c, CancellationToken ct)
    {
        var info = await c.InfoAsync("keyspace", ct).ConfigureAwait(false);
        return info.Keys.Where(k => k.StartsWith("db", StringComparison.Ordinal))
            .Select(k => int.Parse(k.AsSpan(2), System.Globalization.CultureInfo.InvariantCulture))
            .Order().ToList();
    }
}
