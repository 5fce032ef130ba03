using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Export;

// Big keys: the rest of a value window by window, one chunk record per window, and streams over the limit as
// logical stream records.
internal sealed partial class KeyScanner
{
    /// <summary>
    /// A stream over the limit, as logical stream records (<see cref="LiveStreamReader"/>): one part per record, the
    /// first carrying the key's expiry, marked logical in an exact export. A stream gone before any part was read is
    /// counted as vanished.
    /// </summary>
    private void WriteStream(Pending p, CancellationToken ct)
    {
        var first = p.Record;
        KeyRecord? held = null;
        var chunk = 0;
        foreach (var part in new LiveStreamReader(_conn).Read(first.Key, ct))
        {
            var record = chunk == 0 ? first : new KeyRecord { Database = first.Database, Key = first.Key, Type = "stream", Chunk = chunk, Logical = first.Logical };
            record.Stream = part;
            chunk++;
            if (held is not null)
            {
                held.More = true;
                Hand([held], ct);
            }
            held = record;
        }
        if (held is null)
        {
            Vanished++;
            return;
        }
        held.More = false;
        Hand([held], ct);
        StreamsAsRecords++;
        Count(first);
    }

    /// <summary>Reads the rest of a big key window by window, one chunk record per window.</summary>
    private void ContinueBig(Pending p, CancellationToken ct)
    {
        var first = p.Record;
        Hand([first], ct);
        var chunk = 0;
        var more = true;
        while (more)
        {
            ct.ThrowIfCancellationRequested();
            var key = first.Key;
            var next = new KeyRecord { Database = first.Database, Key = key, Type = first.Type, Chunk = ++chunk, Logical = first.Logical };
            RespValue reply;
            switch (first.Kind)
            {
                case RedisKeyType.String:
                {
                    var end = Math.Min(p.Offset + StringWindow, p.StrLen) - 1;
                    reply = _conn.Execute(ct, "GETRANGE", key, p.Offset, end);
                    var bytes = reply.Bytes ?? [];
                    next.Items.Add(bytes);
                    p.Offset += bytes.Length;
                    more = bytes.Length > 0 && p.Offset < p.StrLen;
                    break;
                }
                case RedisKeyType.Hash:
                case RedisKeyType.Set:
                {
                    var cmd = first.Kind == RedisKeyType.Hash ? "HSCAN" : "SSCAN";
                    var parts = _conn.Execute(ct, cmd, key, p.Cursor!, "COUNT", ChunkElements).AsArray();
                    p.Cursor = parts[0].Bytes!;
                    foreach (var it in parts[1].AsArray()) next.Items.Add(it.Bytes!);
                    more = !(p.Cursor is [(byte)'0']);
                    if (_fieldTtls && first.Kind == RedisKeyType.Hash && next.Items.Count > 0)
                    {
                        WriteFieldExpiryRead(next);
                        _conn.WriteCommand("TIME");
                        _conn.Flush(ct);
                        var expiry = _conn.ReadReply(ct).ThrowIfError("HPEXPIRETIME");
                        TakeFieldExpiries(next, expiry, ServerTime(_conn.ReadReply(ct)));
                    }
                    break;
                }
                default:
                {
                    var items = first.Kind == RedisKeyType.List
                        ? _conn.Execute(ct, "LRANGE", key, p.Offset, p.Offset + ChunkElements - 1).AsArray()
                        : _conn.Execute(ct, "ZRANGE", key, p.Offset, p.Offset + ChunkElements - 1, "WITHSCORES").AsArray();
                    foreach (var it in items) next.Items.Add(it.Bytes!);
                    var elements = first.Kind == RedisKeyType.ZSet ? items.Length / 2 : items.Length;
                    p.Offset += elements;
                    more = elements == ChunkElements;
                    break;
                }
            }
            next.More = more;
            Hand([next], ct);
        }
        Count(first);
    }
}
