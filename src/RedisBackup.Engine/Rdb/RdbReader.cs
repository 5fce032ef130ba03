using System.Text;

namespace RedisBackup.Engine.Rdb;

/// <summary>
/// Streaming RDB reader: header, AUX, SELECTDB, RESIZEDB, expiry/idle/freq prefixes, every value type by its layout,
/// and the trailing CRC64. Yields one <see cref="RdbEntry"/> per key; memory stays bounded by the largest single value.
/// </summary>
/// <remarks>
/// Records are parsed synchronously out of a large buffer that is refilled asynchronously between records; a record
/// larger than the prefetched bytes is completed with synchronous reads of the stream.
/// </remarks>
public sealed class RdbReader
{
    /// <summary>Bytes kept buffered ahead of each record.</summary>
    private const int PrefetchBytes = 64 * 1024;

    private readonly RdbInput _in;
    private readonly bool _readValues;
    private readonly bool _deep;
    private readonly IProgress<long>? _progress;
    private readonly Dictionary<string, string> _aux = new(StringComparer.Ordinal);
    private readonly Dictionary<int, long> _keysPerDatabase = [];
    private RdbValueWalker? _walker;
    private bool _headerRead;
    private bool _finished;
    private string _magic = "REDIS";
    private int _version;
    private int _database;
    private long _databaseKeys;
    private long _keys;
    private long _keysWithExpiry;
    private bool _checksumPresent;
    private long _bytes;

    /// <param name="rdb">A plain RDB stream (callers unwrap gzip); not disposed by the reader.</param>
    /// <param name="readValues">False skips value bytes (verification walk); entries then carry Value = null.</param>
    public RdbReader(Stream rdb, bool readValues = true)
        : this(rdb, readValues, deep: false, progress: null)
    {
    }

    /// <param name="deep">Also check the encodings inside values (ziplist, listpack, intset, zipmap, empty collections).</param>
    /// <param name="progress">Receives the number of bytes read so far, about once per buffer refill.</param>
    internal RdbReader(Stream rdb, bool readValues, bool deep, IProgress<long>? progress)
    {
        ArgumentNullException.ThrowIfNull(rdb);
        _in = new RdbInput(rdb) { ValidateCompressedStrings = deep };
        _readValues = readValues;
        _deep = deep;
        _progress = progress;
    }

    /// <summary>The RDB version from the header (e.g. 10 for Redis 7.0), after the first read.</summary>
    public int Version => _version;

    /// <summary>"REDIS" or "VALKEY", after the first read.</summary>
    public string Magic => _magic;

    /// <summary>The next key, or null at the end of the file (after the EOF opcode and the checksum were checked).</summary>
    public async ValueTask<RdbEntry?> ReadNextAsync(CancellationToken cancellationToken = default)
    {
        if (_finished) return null;
        if (_in.Available < PrefetchBytes && !_in.StreamEnded) await PrefetchAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_headerRead) ReadHeader();
        return ReadRecord(materialize: true);
    }

    /// <summary>The summary of everything read; complete once <see cref="ReadNextAsync"/> has returned null.</summary>
    public RdbSummary Summary => new()
    {
        Magic = _magic,
        Version = _version,
        RedisVersion = RdbAuxFields.ServerVersion(_aux),
        CreatedAt = RdbAuxFields.CreatedAt(_aux),
        UsedMemory = RdbAuxFields.UsedMemory(_aux),
        Keys = _keys,
        KeysWithExpiry = _keysWithExpiry,
        KeysPerDatabase = CurrentKeysPerDatabase(),
        Aux = new Dictionary<string, string>(_aux, StringComparer.Ordinal),
        ChecksumPresent = _checksumPresent,
        Bytes = _finished ? _bytes : _in.Position,
    };

    /// <summary>Walks the whole file without materializing keys or values (the verification path).</summary>
    internal async Task WalkAsync(CancellationToken cancellationToken)
    {
        while (!_finished)
        {
            if (_in.Available < PrefetchBytes && !_in.StreamEnded)
            {
                await PrefetchAsync(cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (!_headerRead) ReadHeader();
            ReadRecord(materialize: false);
        }
        _progress?.Report(_bytes);
    }

    private async ValueTask PrefetchAsync(CancellationToken cancellationToken)
    {
        await _in.PrefetchAsync(PrefetchBytes, cancellationToken).ConfigureAwait(false);
        _progress?.Report(_in.Position);
    }

    private void ReadHeader()
    {
        var header = _in.TryTake(RdbMagic.Length);
        if (header.Length < RdbMagic.Length)
        {
            if (header.Length == 0) throw new RdbFormatException("Expected the 9-byte RDB header ('REDIS0011', 'VALKEY080', …), but the file is empty", 0);
            if (!"REDIS"u8.StartsWith(header[..Math.Min(header.Length, 5)]) && !"VALKEY"u8.StartsWith(header[..Math.Min(header.Length, 6)]))
                throw WrongMagic(header);
            throw _in.Truncated("the 9-byte RDB header ('REDIS0011', 'VALKEY080', …)", 0);
        }
        if (!RdbMagic.TryParse(header, out var magic, out var version)) throw WrongMagic(header);
        if (!RdbMagic.IsSupported(magic, version))
            throw new RdbFormatException(
                $"Unsupported RDB format version {version} ('{RdbMagic.Describe(header)}'); this reader knows REDIS versions 1 to {RdbMagic.MaxRedisVersion} and VALKEY {RdbMagic.MinValkeyVersion} to {RdbMagic.MaxValkeyVersion}",
                magic.Length);
        _magic = magic;
        _version = version;
        _walker = new RdbValueWalker(_in, _deep, valkey: magic == "VALKEY");
        _headerRead = true;
    }

    private static RdbFormatException WrongMagic(ReadOnlySpan<byte> header)
        => new($"Wrong magic: the file starts with '{RdbMagic.Describe(header)}', not 'REDIS' or 'VALKEY' followed by a format version; it is not an RDB file", 0);

    /// <summary>Reads opcodes up to and including the next key; null at the end of the file, and always null when not materializing.</summary>
    private RdbEntry? ReadRecord(bool materialize)
    {
        long? expireAtMs = null;
        long? idleSeconds = null;
        byte? frequency = null;
        long recordStart = -1;
        var walker = _walker!;
        while (true)
        {
            var at = _in.Position;
            var op = _in.ReadByte("an opcode or a value type");
            switch (op)
            {
                case RdbOpcodes.Eof:
                    Finish();
                    return null;
                case RdbOpcodes.SelectDb:
                    var db = _in.ReadLength("a database number after SELECTDB");
                    if (db > int.MaxValue) throw new RdbFormatException($"SELECTDB names database {db}, which is out of range", at);
                    SwitchDatabase((int)db);
                    continue;
                case RdbOpcodes.ResizeDb:
                    _in.ReadLength("the hash table size after RESIZEDB");
                    _in.ReadLength("the expires table size after RESIZEDB");
                    continue;
                case RdbOpcodes.Aux:
                    ReadAux();
                    continue;
                case RdbOpcodes.ExpireTimeMs:
                    expireAtMs = _in.ReadInt64LE("an 8-byte expiry time in milliseconds");
                    if (recordStart < 0) recordStart = at;
                    continue;
                case RdbOpcodes.ExpireTime:
                    expireAtMs = (long)unchecked((int)_in.ReadUInt32LE("a 4-byte expiry time in seconds")) * 1000;
                    if (recordStart < 0) recordStart = at;
                    continue;
                case RdbOpcodes.Idle:
                    var idle = _in.ReadLength("an idle time in seconds");
                    idleSeconds = idle > long.MaxValue ? long.MaxValue : (long)idle;
                    if (recordStart < 0) recordStart = at;
                    continue;
                case RdbOpcodes.Freq:
                    frequency = _in.ReadByte("an LFU frequency byte");
                    if (recordStart < 0) recordStart = at;
                    continue;
                case RdbOpcodes.ModuleAux:
                    _in.ReadLength("the module id of a MODULE_AUX record");
                    var whenOpcode = _in.ReadLength("the 'when' opcode of a MODULE_AUX record");
                    if (whenOpcode != 2) throw new RdbFormatException($"A MODULE_AUX record has 'when' opcode {whenOpcode}; it must be 2 (unsigned integer)", at);
                    _in.ReadLength("the 'when' value of a MODULE_AUX record");
                    walker.WalkModuleData(at);
                    continue;
                case RdbOpcodes.Function2:
                    _in.SkipString("a function library (FUNCTION2)");
                    continue;
                case RdbOpcodes.FunctionPreGa:
                    throw new RdbFormatException("Opcode 0xF6 (a pre-GA function library) is not supported; Redis 7.0 and later refuse it too", at);
                case RdbOpcodes.SlotImport when _magic == "VALKEY":
                    _in.SkipString("the job name of a SLOT_IMPORT record");
                    var ranges = _in.ReadLength("the number of slot ranges in a SLOT_IMPORT record");
                    for (ulong r = 0; r < ranges; r++)
                    {
                        _in.ReadLength("the first slot of a SLOT_IMPORT range");
                        _in.ReadLength("the last slot of a SLOT_IMPORT range");
                    }
                    continue;
                case RdbOpcodes.SlotInfo:
                    _in.ReadLength("the slot id of SLOT_INFO");
                    _in.ReadLength("the slot size of SLOT_INFO");
                    _in.ReadLength("the expires slot size of SLOT_INFO");
                    continue;
            }

            if (!walker.IsValueType(op))
                throw new RdbFormatException($"Unknown value type or opcode byte {op} (0x{op:X2}) where a key record or opcode was expected", at);

            byte[]? key = null;
            if (materialize) key = _in.ReadStringBytes("a key");
            else _in.SkipString("a key");

            byte[]? value = null;
            if (materialize && _readValues)
            {
                _in.BeginCapture();
                walker.Walk(op, at);
                value = _in.EndCapture();
            }
            else
            {
                walker.Walk(op, at);
            }

            _keys++;
            _databaseKeys++;
            if (expireAtMs.HasValue) _keysWithExpiry++;
            if (!materialize) return null;
            return new RdbEntry
            {
                Database = _database,
                Key = key!,
                ExpireAtMs = expireAtMs,
                Type = op,
                Value = value,
                IdleSeconds = idleSeconds,
                Frequency = frequency,
                Offset = recordStart >= 0 ? recordStart : at,
            };
        }
    }

    private void ReadAux()
    {
        var name = Encoding.UTF8.GetString(_in.ReadBlob("the name of an AUX field"));
        var value = Encoding.UTF8.GetString(_in.ReadBlob($"the value of AUX field '{name}'"));
        _aux[name] = value;
    }

    private void SwitchDatabase(int database)
    {
        FlushDatabaseCount();
        _database = database;
    }

    private void FlushDatabaseCount()
    {
        if (_databaseKeys == 0) return;
        _keysPerDatabase[_database] = _keysPerDatabase.GetValueOrDefault(_database) + _databaseKeys;
        _databaseKeys = 0;
    }

    private Dictionary<int, long> CurrentKeysPerDatabase()
    {
        var copy = new Dictionary<int, long>(_keysPerDatabase);
        if (_databaseKeys > 0) copy[_database] = copy.GetValueOrDefault(_database) + _databaseKeys;
        return copy;
    }

    private void Finish()
    {
        var computed = _in.ChecksumSoFar();
        FlushDatabaseCount();
        if (_version >= RdbOpcodes.FirstVersionWithChecksum)
        {
            var at = _in.Position;
            var stored = _in.ReadUInt64LE("the 8-byte CRC64 checksum after the end-of-file opcode");
            if (stored != 0 && stored != computed)
                throw new RdbFormatException($"CRC64 mismatch: stored 0x{stored:X16}, computed 0x{computed:X16}; the file is corrupt", at);
            _checksumPresent = stored != 0;
        }
        _bytes = _in.Position;
        _finished = true;
    }
}
