using System.Globalization;
using System.Threading.Channels;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
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
///
/// One job per file: this one the SCAN loop, the second read of keys whose type changed, and the hand-over (with the
/// repeat notes); KeyScanner.Batch.cs a logical batch and its first windows; KeyScanner.Windows.cs big keys' further
/// windows and big streams; KeyScanner.Exact.cs the exact-mode DUMP pipeline; KeyScanner.FieldExpiry.cs hash field
/// expiries.
/// </summary>
internal sealed partial class KeyScanner
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

    private static List<byte[]> ScannedKeys(RespValue scanKeys)
    {
        var items = scanKeys.AsArray();
        var keys = new List<byte[]>(items.Length);
        foreach (var item in items) keys.Add(item.Bytes!);
        return keys;
    }

    private RedisArg[] ScanCommand(byte[] cursor)
    {
        var args = new List<RedisArg>(8) { "SCAN", cursor };
        if (_options.Match is not null) { args.Add("MATCH"); args.Add(_options.Match); }
        args.Add("COUNT"); args.Add(ScanCount);
        if (_scanType is not null) { args.Add("TYPE"); args.Add(_scanType); }
        return [.. args];
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

    private static RedisBackupException Unexpected(string command, int length)
        => new(ErrorKind.ProtocolError, ErrorIds.RedisUnexpectedReply, $"Unexpected {command} reply (array of {length.ToString(CultureInfo.InvariantCulture)}).");
}
