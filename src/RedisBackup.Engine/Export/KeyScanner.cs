using System.Globalization;
using System.Threading.Channels;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Export;

/// <summary>
/// Reads the selected keys of one database from a live server, in pipelined batches, and hands the records to a channel:
/// SCAN batch → one pipeline of TYPE + PTTL + STRLEN → one pipeline of value reads; in exact mode one pipeline of
/// PTTL + DUMP per batch, kept two batches deep (see <see cref="ScanExact"/>).
/// Big values continue in windows (HSCAN/SSCAN with COUNT, LRANGE and ZRANGE index windows, GETRANGE) and become
/// several chunk records, so memory is bounded by the window size, not the key size.
///
/// Keys that change during the scan: a key gone before its type was read, or whose value read finds nothing, is
/// counted as vanished and left out. A key whose type changed between the two pipelines is read again in the next
/// batch (once); if it changes again it is counted as vanished. SCAN may return a key twice (when the keyspace shrinks
/// during the scan): every record that starts a key is noted, in the order it is handed over, in a
/// <see cref="RepeatedKeyDetector"/>, which finds the repeats in bounded memory once the scan is over.
///
/// Exact mode never holds a big key whole: a key whose DUMP reply is longer than the exact limit (its serialized size;
/// the reply is read and dropped unkept) is read like a logical key instead, in windows, each record marked
/// <see cref="KeyRecord.Logical"/> (see <see cref="ScanExact"/>).
///
/// Streams, in both modes, are read with DUMP; a reply longer than the same limit is read and dropped unkept, and the
/// stream is written as logical stream records instead (<see cref="LiveStreamReader"/>: entries in XRANGE windows,
/// state, groups, consumers, pending entries). <see cref="StreamsAsRecords"/> counts them: the file's header, written
/// before any key, does not require streamRecords, so the export writes the file a second time with it when there are any.
///
/// Hash field expiration (Redis 7.4+, Valkey 9): when the server has it, every hash window read is followed by one
/// pipeline of HPEXPIRETIME (the window's fields) per hash plus one TIME, and each record carries its fields' absolute
/// expiries and the server's clock when they were read. A field that HSCAN returned and HPEXPIRETIME no longer finds
/// (deleted, or expired in between) is left out of its record.
/// </summary>
internal sealed class KeyScanner
{
    /// <summary>Keys per SCAN call, and so per pipeline.</summary>
    public const int ScanCount = 1000;

    /// <summary>Elements per chunk of a big collection (a hash: fields).</summary>
    public const int ChunkElements = KeyRecord.ChunkElements;

    /// <summary>
    /// Strings up to this size are read with GET; longer ones in GETRANGE windows of this size. 1 MiB: every window is
    /// one array in the reply, the queue to the writer, the JSON record and the check's line, so a smaller window keeps
    /// a huge string's export and restore well under 200 MB (4 MiB windows peaked at 280 MB for a 400 MB string).
    /// </summary>
    public const int StringWindow = 1024 * 1024;

    /// <summary>Exact mode: keys whose DUMP payload (their serialized size) is longer than this are read logically, in windows.</summary>
    public const long DefaultExactLimit = 16L << 20;

    private readonly RedisConnection _conn;
    private readonly KeyExportOptions _options;
    private readonly ChannelWriter<List<KeyRecord>> _output;
    private readonly HashSet<string>? _typeFilter;
    private readonly string? _scanType;
    private readonly TimeProvider _clock;
    private readonly bool _fieldTtls;
    private readonly RepeatedKeyDetector? _written;

    /// <param name="fieldTtls">Read hash field expiries (only for a server that has HPEXPIRETIME).</param>
    /// <param name="written">Notes every key handed over, in file order, for the repeat check.</param>
    public KeyScanner(RedisConnection connection, KeyExportOptions options, ChannelWriter<List<KeyRecord>> output, TimeProvider clock, bool fieldTtls = false, RepeatedKeyDetector? written = null)
    {
        _fieldTtls = fieldTtls;
        _written = written;
        _conn = connection;
        _options = options;
        _output = output;
        _clock = clock;
        if (options.Types is { Count: > 0 } types)
        {
            _typeFilter = new HashSet<string>(types.Select(t => KeyTypeNames.Normalize(t) ?? t), StringComparer.Ordinal);
            if (_typeFilter.Count == 1) _scanType = _typeFilter.First();
        }
    }

    public long Keys { get; private set; }
    public long Vanished { get; private set; }

    /// <summary>Exact mode: keys over the exact limit, written as logical records.</summary>
    public long LogicalKeys { get; private set; }

    /// <summary>Streams over the exact limit, written as logical stream records (both modes).</summary>
    public long StreamsAsRecords { get; private set; }
    public Dictionary<int, long> KeysPerDatabase { get; } = [];

    /// <summary>
    /// Scans one database with blocking reads and writes: call it on a thread of its own (the exporter does), so that
    /// no socket read costs a thread-pool hop.
    /// </summary>
    public void ScanDatabase(int db, CancellationToken ct)
    {
        if (_conn.Database != db)
        {
            _conn.Execute(ct, "SELECT", db);
            _conn.AssumeDatabase(db);
        }
        if (_options.Exact)
        {
            ScanExact(db, ct);
            return;
        }
        var retry = new List<byte[]>();
        var retried = new HashSet<UInt128>();
        var scanReply = _conn.Execute(ct, ScanCommand("0"u8.ToArray()));
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var reply = scanReply.AsArray();
            if (reply.Length != 2) throw Unexpected("SCAN", reply.Length);
            var cursor = reply[0].Bytes ?? throw Unexpected("SCAN", 0);
            var keys = ScannedKeys(reply[1]);
            keys.AddRange(retry);
            retry = [];
            var isLast = cursor is [(byte)'0'];
            // The next SCAN rides in the same pipeline as this batch's first reads.
            var (changed, next) = ReadBatch(db, keys, isLast ? null : ScanCommand(cursor), ct);
            foreach (var key in changed)
            {
                if (retried.Add(KeyHash.Of(key))) retry.Add(key);
                else Vanished++;
            }
            if (isLast)
            {
                if (retry.Count > 0)
                {
                    // One more pass for keys whose type changed in the last batch.
                    var (again, _) = ReadBatch(db, retry, null, ct);
                    Vanished += again.Count;
                }
                return;
            }
            scanReply = next!.ThrowIfError("SCAN");
        }
    }

    /// <summary>
    /// Exact mode (one pipeline per batch, no value windows) runs two batches deep: every flush carries the next SCAN
    /// first and then [TYPE] + PTTL + DUMP of the keys the previous SCAN returned. The SCAN reply comes back first, so the
    /// following flush goes out before this side reads the batch's replies, and the server never waits for the client.
    /// A DUMP reply longer than the exact limit is read and dropped without being kept; its key is read at the end of
    /// the database like a logical key, in windows (<see cref="ReadBigKeys"/>).
    /// </summary>
    private void ScanExact(int db, CancellationToken ct)
    {
        _conn.WriteCommand(ScanCommand("0"u8.ToArray()));
        _conn.Flush(ct);
        var scanPending = true;
        List<byte[]>? inFlight = null;
        var sentAt = 0L;
        var big = new List<byte[]>();
        while (scanPending || inFlight is not null)
        {
            ct.ThrowIfCancellationRequested();
            List<byte[]>? next = null;
            var nextSentAt = 0L;
            if (scanPending)
            {
                var reply = _conn.ReadReply(ct).ThrowIfError("SCAN").AsArray();
                if (reply.Length != 2) throw Unexpected("SCAN", reply.Length);
                var cursor = reply[0].Bytes ?? throw Unexpected("SCAN", 0);
                next = ScannedKeys(reply[1]);
                scanPending = cursor is not [(byte)'0'];
                if (scanPending) _conn.WriteCommand(ScanCommand(cursor));
                WriteDumps(next);
                nextSentAt = _clock.GetUtcNow().ToUnixTimeMilliseconds();
                _conn.Flush(ct);
            }
            if (inFlight is not null)
            {
                var records = ReadDumps(db, inFlight, sentAt, big, ct);
                foreach (var r in records) Count(r);
                if (records.Count > 0) Hand(records, ct);
            }
            inFlight = next;
            sentAt = nextSentAt;
        }
        ReadBigKeys(db, big, ct);
    }

    /// <summary>Exact mode: [TYPE] + PTTL + DUMP per key.</summary>
    private void WriteDumps(List<byte[]> keys)
    {
        var needType = _typeFilter is not null;
        foreach (var key in keys)
        {
            if (needType) _conn.WriteCommand("TYPE", key);
            _conn.WriteCommand("PTTL", key);
            _conn.WriteCommand("DUMP", key);
        }
    }

    /// <summary>
    /// Reads the replies of <see cref="WriteDumps"/> into records. A DUMP reply longer than the exact limit is read and
    /// dropped unkept, and its key goes to <paramref name="big"/>.
    /// </summary>
    private List<KeyRecord> ReadDumps(int db, List<byte[]> keys, long sentAt, List<byte[]> big, CancellationToken ct)
    {
        var needType = _typeFilter is not null;
        var records = new List<KeyRecord>(keys.Count);
        foreach (var key in keys)
        {
            var type = needType ? _conn.ReadReply(ct).ThrowIfError("TYPE").AsString()! : null;
            var pttl = _conn.ReadReply(ct).AsInt64();
            var skipped = _conn.SkipBulkIfLonger(_options.ExactLimit, ct) >= 0;
            var dump = skipped ? null : _conn.ReadReply(ct);
            if (RedisKeyTypes.Parse(type) == RedisKeyType.None || pttl == -2) { Vanished++; continue; }
            if (type is not null && !_typeFilter!.Contains(type)) continue;
            if (skipped)
            {
                big.Add(key);
                continue;
            }
            if (dump!.IsNull) { Vanished++; continue; }
            var record = new KeyRecord { Database = db, Key = key, Dump = dump.ThrowIfError("DUMP").Bytes };
            record.Type = type ?? KeyFileFormat.TypeOfPayload(record.Dump);
            if (pttl >= 0)
            {
                record.TtlMs = pttl;
                record.ExpireAtMs = sentAt + pttl;
            }
            records.Add(record);
        }
        return records;
    }

    /// <summary>
    /// Exact mode: the keys over the limit, read as a logical export reads them (TYPE + PTTL + STRLEN, then windows),
    /// once nothing else is in flight. Their records are marked logical. A stream becomes logical stream records; module
    /// values have no logical form in a key-level file: they are read with DUMP, whole, whatever their size.
    /// </summary>
    private void ReadBigKeys(int db, List<byte[]> big, CancellationToken ct)
    {
        var retried = new HashSet<UInt128>();
        for (var at = 0; at < big.Count; at += ScanCount)
        {
            var keys = big.GetRange(at, Math.Min(ScanCount, big.Count - at));
            var (changed, _) = ReadBatch(db, keys, null, ct, knownBig: true);
            foreach (var key in changed)
            {
                if (retried.Add(KeyHash.Of(key))) big.Add(key);
                else Vanished++;
            }
        }
    }

    private static List<byte[]> ScannedKeys(RespValue scanKeys)
    {
        var items = scanKeys.AsArray();
        var keys = new List<byte[]>(items.Length);
        foreach (var item in items) keys.Add(item.Bytes!);
        return keys;
    }

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

    private RedisArg[] ScanCommand(byte[] cursor)
    {
        var args = new List<RedisArg>(8) { "SCAN", cursor };
        if (_options.Match is not null) { args.Add("MATCH"); args.Add(_options.Match); }
        args.Add("COUNT"); args.Add(ScanCount);
        if (_scanType is not null) { args.Add("TYPE"); args.Add(_scanType); }
        return [.. args];
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

    /// <summary>Hands records to the writing side, blocking while its queue is full.</summary>
    private void Hand(List<KeyRecord> records, CancellationToken ct)
    {
        if (_written is not null)
            foreach (var r in records)
                if (r.Chunk == 0) _written.Add(r.Database, r.Key);
        if (!_output.TryWrite(records)) _output.WriteAsync(records, ct).AsTask().GetAwaiter().GetResult();
    }

    private void Count(KeyRecord r)
    {
        Keys++;
        if (r.Logical) LogicalKeys++;
        KeysPerDatabase[r.Database] = KeysPerDatabase.GetValueOrDefault(r.Database) + 1;
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

    private static RedisBackupException Unexpected(string command, int length)
        => new(ErrorKind.ProtocolError, ErrorIds.RedisUnexpectedReply, $"Unexpected {command} reply (array of {length.ToString(CultureInfo.InvariantCulture)}).");

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
