using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Export;

// A logical batch: TYPE + PTTL + STRLEN of every key, then the first window of every value; a value with more to
// read continues in windows (KeyScanner.Windows.cs).
internal sealed partial class KeyScanner
{
    /// <summary>Pipeline 1 of a logical read: TYPE + PTTL + STRLEN.</summary>
    private void WriteProbes(List<byte[]> keys)
    {
        foreach (var key in keys)
        {
            _conn.WriteCommand("TYPE", key);
            _conn.WriteCommand("PTTL", key);
            _conn.WriteCommand("STRLEN", key);
        }
    }

    /// <summary>Reads the replies of <see cref="WriteProbes"/>: records waiting for their value (marked logical in an exact export).</summary>
    private void ReadProbes(int db, List<byte[]> keys, long now, List<Pending> pending, CancellationToken ct)
    {
        foreach (var key in keys)
        {
            var type = _conn.ReadReply(ct).ThrowIfError("TYPE").AsString()!;
            var pttl = _conn.ReadReply(ct).AsInt64();
            var strlen = _conn.ReadReply(ct);
            if (RedisKeyTypes.Parse(type) == RedisKeyType.None || pttl == -2) { Vanished++; continue; }
            if (_typeFilter is not null && !_typeFilter.Contains(type)) continue;
            var record = new KeyRecord { Database = db, Key = key, Type = type, Logical = _options.Exact };
            if (pttl >= 0)
            {
                record.TtlMs = pttl;
                record.ExpireAtMs = now + pttl;
            }
            pending.Add(new Pending(record, strlen.IsError ? -1 : strlen.Integer));
        }
    }

    /// <summary>
    /// Reads one batch of keys and writes their records to the channel. Returns keys whose type changed meanwhile,
    /// and the reply of <paramref name="nextScan"/>, which is sent in the first pipeline after the batch's commands.
    /// </summary>
    /// <param name="knownBig">Exact mode's big keys: their DUMP was over the limit already, so a stream among them is not dumped again.</param>
    private (List<byte[]> Changed, RespValue? NextScan) ReadBatch(int db, List<byte[]> keys, RedisArg[]? nextScan, CancellationToken ct, bool knownBig = false)
    {
        WriteProbes(keys);
        if (nextScan is not null) _conn.WriteCommand(nextScan);
        _conn.Flush(ct);
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var pending = new List<Pending>(keys.Count);
        var records = new List<KeyRecord>(keys.Count);
        ReadProbes(db, keys, now, pending, ct);
        var scanReply = nextScan is null ? null : _conn.ReadReply(ct);
        if (knownBig)
            foreach (var p in pending)
                if (p.Record.Kind == RedisKeyType.Stream) p.BigStream = true;

        // Pipeline 2: the first window of every value.
        foreach (var p in pending) WriteFirstRead(p);
        _conn.Flush(ct);
        List<byte[]> changed = [];
        List<Pending> big = [];
        List<Pending> bigStreams = [];
        foreach (var p in pending)
        {
            // A stream's DUMP payload over the limit is read and dropped unkept: the stream is read in windows instead.
            if (p.Record.Kind == RedisKeyType.Stream && !p.BigStream && _conn.SkipBulkIfLonger(_options.ExactLimit, ct) >= 0)
                p.BigStream = true;
            else if (p.BigStream)
            {
                var length = _conn.ReadReply(ct); // XLEN: only whether the key is still a stream
                if (length.IsError && length.AsString()!.StartsWith("WRONGTYPE", StringComparison.Ordinal)) { changed.Add(p.Record.Key); continue; }
                length.ThrowIfError("XLEN");
            }
            if (p.BigStream)
            {
                bigStreams.Add(p);
                continue;
            }
            var reply = _conn.ReadReply(ct);
            if (reply.IsError)
            {
                if (reply.AsString()!.StartsWith("WRONGTYPE", StringComparison.Ordinal)) { changed.Add(p.Record.Key); continue; }
                reply.ThrowIfError(p.Record.Type);
            }
            var state = TakeFirstWindow(p, reply);
            if (state == WindowState.Vanished) { Vanished++; continue; }
            records.Add(p.Record);
            if (state == WindowState.More) big.Add(p);
        }
        if (_fieldTtls) ReadFirstFieldExpiries(records, big, changed, ct);

        // Big keys: hand over what we have so far (it precedes the big keys' continuation), then stream the rest.
        foreach (var r in records)
            if (!r.More) Count(r);
        if (big.Count == 0)
        {
            if (records.Count > 0) Hand(records, ct);
        }
        else
        {
            var small = records.Where(r => !r.More).ToList();
            if (small.Count > 0) Hand(small, ct);
            foreach (var p in big) ContinueBig(p, ct);
        }
        foreach (var p in bigStreams) WriteStream(p, ct);
        return (changed, scanReply);
    }

    private void WriteFirstRead(Pending p)
    {
        var key = p.Record.Key;
        switch (p.Record.Kind)
        {
            case RedisKeyType.String:
                if (p.StrLen > StringWindow) _conn.WriteCommand("GETRANGE", key, 0, StringWindow - 1);
                else _conn.WriteCommand("GET", key);
                break;
            case RedisKeyType.Hash: _conn.WriteCommand("HSCAN", key, "0", "COUNT", ChunkElements); break;
            case RedisKeyType.Set: _conn.WriteCommand("SSCAN", key, "0", "COUNT", ChunkElements); break;
            case RedisKeyType.List: _conn.WriteCommand("LRANGE", key, 0, ChunkElements - 1); break;
            case RedisKeyType.ZSet: _conn.WriteCommand("ZRANGE", key, 0, ChunkElements - 1, "WITHSCORES"); break;
            case RedisKeyType.Stream when p.BigStream: _conn.WriteCommand("XLEN", key); break; // known to be over the limit: no second DUMP
            default: _conn.WriteCommand("DUMP", key); break; // stream and module types
        }
    }

    private enum WindowState { Done, More, Vanished }

    private static WindowState TakeFirstWindow(Pending p, RespValue reply)
    {
        var r = p.Record;
        switch (r.Kind)
        {
            case RedisKeyType.String:
                if (reply.IsNull) return WindowState.Vanished;
                r.Items.Add(reply.Bytes!);
                if (p.StrLen > StringWindow)
                {
                    if (reply.Bytes!.Length == 0) return WindowState.Vanished;
                    p.Offset = reply.Bytes!.Length;
                    r.More = p.Offset < p.StrLen;
                    return r.More ? WindowState.More : WindowState.Done;
                }
                return WindowState.Done;
            case RedisKeyType.Hash:
            case RedisKeyType.Set:
            {
                var parts = reply.AsArray();
                var cursor = parts[0].Bytes!;
                var items = parts[1].AsArray();
                if (items.Length == 0 && cursor is [(byte)'0']) return WindowState.Vanished;
                foreach (var it in items) r.Items.Add(it.Bytes!);
                p.Cursor = cursor;
                r.More = !(cursor is [(byte)'0']);
                return r.More ? WindowState.More : WindowState.Done;
            }
            case RedisKeyType.List:
            case RedisKeyType.ZSet:
            {
                var items = reply.AsArray();
                if (items.Length == 0) return WindowState.Vanished;
                foreach (var it in items) r.Items.Add(it.Bytes!);
                var elements = r.Kind == RedisKeyType.ZSet ? items.Length / 2 : items.Length;
                p.Offset = elements;
                r.More = elements == ChunkElements;
                return r.More ? WindowState.More : WindowState.Done;
            }
            default:
                if (reply.IsNull) return WindowState.Vanished;
                r.Dump = reply.Bytes;
                r.Logical = false; // a module value, or a stream whose payload is under the limit
                return WindowState.Done;
        }
    }

    private sealed class Pending(KeyRecord record, long strLen)
    {
        public KeyRecord Record { get; } = record;
        public long StrLen { get; } = strLen;
        public byte[]? Cursor { get; set; }
        public long Offset { get; set; }

        /// <summary>A stream over the exact limit, to be written as logical stream records.</summary>
        public bool BigStream { get; set; }
    }
}
