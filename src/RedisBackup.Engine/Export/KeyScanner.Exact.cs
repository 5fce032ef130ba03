using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Export;

// Exact mode: the SCAN + [TYPE] + PTTL + DUMP pipeline, two batches deep; keys over the exact limit are read
// afterwards like logical keys (ReadBigKeys).
internal sealed partial class KeyScanner
{
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
}
