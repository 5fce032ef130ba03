using System.Globalization;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Export;

// Hash field expiration (Redis 7.4+, Valkey 9): HPEXPIRETIME of each hash window's fields, and the server's clock.
internal sealed partial class KeyScanner
{
    /// <summary>
    /// Pipeline 3 (servers with hash field expiration): HPEXPIRETIME of the fields each hash's first window returned,
    /// then TIME. A hash whose type changed meanwhile is read again with the next batch; one whose fields are all gone
    /// (and that has no more windows) is counted as vanished.
    /// </summary>
    private void ReadFirstFieldExpiries(List<KeyRecord> records, List<Pending> big, List<byte[]> changed, CancellationToken ct)
    {
        var asked = new List<KeyRecord>();
        foreach (var r in records)
        {
            if (r.Kind != RedisKeyType.Hash || r.Items.Count == 0) continue;
            WriteFieldExpiryRead(r);
            asked.Add(r);
        }
        if (asked.Count == 0) return;
        _conn.WriteCommand("TIME");
        _conn.Flush(ct);
        var replies = new RespValue[asked.Count];
        for (var i = 0; i < replies.Length; i++) replies[i] = _conn.ReadReply(ct);
        var readAt = ServerTime(_conn.ReadReply(ct));
        for (var i = 0; i < asked.Count; i++)
        {
            var r = asked[i];
            var reply = replies[i];
            var drop = false;
            if (reply.IsError && reply.AsString()!.StartsWith("WRONGTYPE", StringComparison.Ordinal))
            {
                changed.Add(r.Key);
                drop = true;
            }
            else
            {
                TakeFieldExpiries(r, reply.ThrowIfError("HPEXPIRETIME"), readAt);
                if (r.Items.Count == 0 && !r.More)
                {
                    Vanished++;
                    drop = true;
                }
            }
            if (!drop) continue;
            records.Remove(r);
            big.RemoveAll(p => ReferenceEquals(p.Record, r));
        }
    }

    /// <summary>HPEXPIRETIME key FIELDS n field… for the fields of a hash record's window.</summary>
    private void WriteFieldExpiryRead(KeyRecord record)
    {
        var fields = record.Items.Count / 2;
        var args = new RedisArg[4 + fields];
        args[0] = "HPEXPIRETIME";
        args[1] = record.Key;
        args[2] = "FIELDS";
        args[3] = fields;
        for (var i = 0; i < fields; i++) args[4 + i] = record.Items[2 * i];
        _conn.WriteCommand(args);
    }

    /// <summary>
    /// Applies an HPEXPIRETIME reply to its record: -1 (no expiry) becomes 0, a time is kept, -2 (the field is gone)
    /// takes the field out of the record. Records none of whose fields expire get no field expiry list.
    /// </summary>
    private static void TakeFieldExpiries(KeyRecord record, RespValue reply, long readAt)
    {
        var times = reply.AsArray(); // an empty or nil reply: the key is gone, so every field is
        var items = record.Items;
        var fields = items.Count / 2;
        if (times.Length != fields && times.Length != 0)
            throw new RedisBackupException(ErrorKind.ProtocolError, ErrorIds.RedisUnexpectedReply,
                $"HPEXPIRETIME answered {times.Length.ToString(CultureInfo.InvariantCulture)} values for {fields.ToString(CultureInfo.InvariantCulture)} fields.");
        List<long>? expiry = null;
        var kept = 0;
        for (var i = 0; i < fields; i++)
        {
            var at = times.Length == 0 ? -2 : times[i].AsInt64();
            if (at == -2) continue;
            if (at > 0) expiry ??= new List<long>(fields);
            items[2 * kept] = items[2 * i];
            items[2 * kept + 1] = items[2 * i + 1];
            kept++;
        }
        if (kept < fields) items.RemoveRange(2 * kept, items.Count - 2 * kept);
        if (expiry is null) return;
        for (var i = 0; i < fields; i++)
        {
            var at = times[i].AsInt64();
            if (at != -2) expiry.Add(Math.Max(at, 0));
        }
        record.FieldExpireAt = expiry;
        record.FieldsReadAtMs = readAt;
    }

    /// <summary>A TIME reply (seconds, microseconds) as Unix milliseconds.</summary>
    private static long ServerTime(RespValue reply)
    {
        var parts = reply.ThrowIfError("TIME").AsArray();
        if (parts.Length != 2) throw Unexpected("TIME", parts.Length);
        return parts[0].AsInt64() * 1000 + parts[1].AsInt64() / 1000;
    }
}
