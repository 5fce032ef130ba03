using System.Globalization;
using System.Text;

namespace RedisBackup.Engine.Rdb;

/// <summary>
/// Streaming RDB reader: header, AUX, SELECTDB, RESIZEDB, expiry/idle/freq prefixes, every value type and opcode of
/// Redis up to RDB 15 and Valkey up to VALKEY081 by its layout (<see cref="RdbFormatCatalog"/>), and the trailing CRC64.
/// Yields one <see cref="RdbEntry"/> per key; memory stays bounded by the largest single value.
/// </summary>
/// <remarks>
/// <para>Records are parsed synchronously out of a large buffer that is refilled asynchronously between records; a record
/// larger than the prefetched bytes is completed with synchronous reads of the stream.</para>
/// <para>Forward tolerance: a type or opcode this reader does not know (a server newer than the reader wrote it), or a
/// type whose layout it does not know, ends the walk there. The rest of the file is read to check the CRC64 over the
/// whole file: when it matches, the file is what a server wrote, the reading ends normally and
/// <see cref="RdbSummary.Unchecked"/> says where and why the structure check stopped. When there is no checksum to tell
/// a newer format from damage, or it does not match, the file is refused as corrupt. A structure error inside a type this
/// reader knows is always corruption.</para>
/// </remarks>
internal sealed class RdbReader
{
    /// <summary>Bytes kept buffered ahead of each record.</summary>
    private const int PrefetchBytes = 64 * 1024;

    /// <summary>Longest decimal number in an inline command's RESP framing.</summary>
    private const int MaxRespDigits = 20;

    private readonly RdbInput _in;
    private readonly bool _readValues;
    private readonly bool _deep;
    private readonly IProgress<long>? _progress;
    private readonly Dictionary<string, string> _aux = new(StringComparer.Ordinal);
    private readonly Dictionary<int, long> _keysPerDatabase = [];
    private readonly Dictionary<ulong, byte[][]> _templates = [];
    private readonly List<byte[]> _functions = [];
    private RdbValueWalker? _walker;
    private RdbFormatItem?[] _known = [];
    private bool _headerRead;
    private bool _finished;
    private string _magic = "REDIS";
    private RdbFamily _family;
    private int _version;
    private bool _newer;
    private int _database;
    private long _databaseKeys;
    private long _keys;
    private long _keysWithExpiry;
    private long _keysWithMetadata;
    private long _functionCount;
    private long _moduleAux;
    private long _inlineCommands;
    private bool _checksumPresent;
    private long _bytes;
    private (long Offset, byte Code, string Reason)? _stop;
    private RdbUncheckedPart? _unchecked;

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

    /// <summary>
    /// A reader that hands out each key before its value is read (<see cref="RdbEntry.Value"/> is null): the caller then
    /// captures the value (<see cref="CaptureValue"/>), decodes it straight from the file (<see cref="BeginValue"/>), or
    /// skips it (<see cref="SkipValue"/>, or simply by reading the next entry). Memory then no longer grows with the
    /// largest value: a value is held whole only when the caller captures it, and only up to the limit it sets.
    /// </summary>
    internal static RdbReader WithLazyValues(Stream rdb) => new(rdb, readValues: true, deep: false, progress: null) { _lazyValues = true };

    private bool _lazyValues;
    private int _pendingType = -1;
    private long _pendingAt;
    private bool _valueOpen;

    /// <summary>Lazy mode: the value of the entry last returned has not been read yet.</summary>
    internal bool ValuePending => _pendingType >= 0 && !_valueOpen;

    /// <summary>
    /// Lazy mode: the value of the entry last returned, as the exact rdbSaveObject bytes, when it is at most
    /// <paramref name="limit"/> bytes long; otherwise null, and the value is still unread (the input is back at its start).
    /// <paramref name="template"/> receives, for a hash template reference (types 30 and 32), its template's field names.
    /// </summary>
    internal byte[]? CaptureValue(long limit, out IReadOnlyList<byte[]>? template)
    {
        template = null;
        var type = TakePending();
        _in.BeginCapture();
        _in.CaptureLimit = limit;
        try
        {
            _walker!.Walk((byte)type, _pendingAt);
        }
        catch (RdbCaptureLimitException)
        {
            _in.Rewind();
            _pendingType = type;
            return null;
        }
        catch
        {
            _in.CancelCapture();
            throw;
        }
        finally
        {
            _in.CaptureLimit = long.MaxValue;
        }
        if (_walker.TemplateId is { } id) template = _templates[id];
        return _in.EndCapture();
    }

    /// <summary>Lazy mode: moves past the value of the entry last returned; returns its length in bytes.</summary>
    internal long SkipValue()
    {
        var type = TakePending();
        var start = _in.Position;
        _walker!.Walk((byte)type, _pendingAt);
        return _in.Position - start;
    }

    /// <summary>
    /// Lazy mode: for a module value (type 7) of the entry last returned, its 64-bit module type id (9 characters of the
    /// type name and a 10-bit encoding version), read without consuming the value. Null for any other type.
    /// </summary>
    internal ulong? PeekModuleTypeId()
    {
        if (!ValuePending || _pendingType != 7) return null;
        _in.BeginCapture();
        try
        {
            return _in.ReadLength("a module type id");
        }
        finally
        {
            _in.Rewind();
        }
    }

    /// <summary>
    /// Lazy mode: hands the input, positioned at the start of the value of the entry last returned, to a decoder that
    /// reads the value to its end and then calls <see cref="EndValue"/>. Until then the reader cannot move on.
    /// </summary>
    internal RdbInput BeginValue(out byte type, out long typeOffset)
    {
        if (!ValuePending) throw new InvalidOperationException("No value is waiting to be read.");
        type = (byte)_pendingType;
        typeOffset = _pendingAt;
        _valueOpen = true;
        return _in;
    }

    /// <summary>Lazy mode: the decoder given <see cref="BeginValue"/> has read the value to its end.</summary>
    internal void EndValue()
    {
        _valueOpen = false;
        _pendingType = -1;
    }

    private int TakePending()
    {
        if (!ValuePending) throw new InvalidOperationException("No value is waiting to be read.");
        var type = _pendingType;
        _pendingType = -1;
        return type;
    }

    /// <summary>Lazy mode: skips a value the caller did not read, before the next record.</summary>
    private void SkipUnreadValue()
    {
        if (_valueOpen) throw new InvalidOperationException("The value being decoded was not read to its end.");
        if (_pendingType >= 0) SkipValue();
    }

    /// <summary>The RDB version from the header (e.g. 10 for Redis 7.0), after the first read.</summary>
    public int Version => _version;

    /// <summary>"REDIS" or "VALKEY", after the first read.</summary>
    public string Magic => _magic;

    /// <summary>Which family wrote the file, after the first read.</summary>
    public RdbFamily Family => _family;

    /// <summary>The hash templates defined so far (Redis 8.10+): field names by template id.</summary>
    public IReadOnlyDictionary<ulong, byte[][]> HashTemplates => _templates;

    /// <summary>
    /// The function libraries read so far (FUNCTION2 records: each the library's source code, as FUNCTION LOAD takes it).
    /// Kept only when reading entries; they come before the first key, so they are complete once the first entry is read.
    /// </summary>
    public IReadOnlyList<byte[]> FunctionLibraries => _functions;

    /// <summary>The next record (a key, or an inline command), or null at the end of the file: after the EOF opcode and the
    /// checksum were checked, or at a part this reader cannot follow (see <see cref="RdbSummary.Unchecked"/>).</summary>
    public async ValueTask<RdbEntry?> ReadNextAsync(CancellationToken cancellationToken = default)
    {
        if (_finished) return null;
        try
        {
            if (_lazyValues) SkipUnreadValue();
        }
        catch (RdbFormatException ex) when (_newer)
        {
            throw NewerAndCorrupt(ex);
        }
        if (_in.Available < PrefetchBytes && !_in.StreamEnded) await PrefetchAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (!_headerRead) ReadHeader();
            var entry = ReadRecord(materialize: true);
            if (_stop is not null) await StopAsync(cancellationToken).ConfigureAwait(false);
            return entry;
        }
        catch (RdbFormatException ex) when (_newer)
        {
            throw NewerAndCorrupt(ex);
        }
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
        FunctionLibraries = _functionCount,
        ModuleAuxRecords = _moduleAux,
        HashTemplates = _templates.Count,
        KeysWithMetadata = _keysWithMetadata,
        InlineCommands = _inlineCommands,
        NewerThanReader = _newer,
        Unchecked = _unchecked,
    };

    /// <summary>Walks the whole file without materializing keys or values (the verification path).</summary>
    internal async Task WalkAsync(CancellationToken cancellationToken)
    {
        try
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
                if (_stop is not null) await StopAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RdbFormatException ex) when (_newer)
        {
            throw NewerAndCorrupt(ex);
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
        if (RdbMagic.Invalid(magic, version) is { } invalid)
            throw new RdbFormatException($"Invalid RDB header '{RdbMagic.Describe(header)}': {invalid}", magic.Length);
        _magic = magic;
        _family = RdbFormatCatalog.FamilyOf(magic);
        _version = version;
        _newer = version > RdbFormatCatalog.MaxKnownVersion(_family);
        _known = RdbFormatCatalog.Table(_family);
        _walker = new RdbValueWalker(_in, _deep, _family, _templates);
        _headerRead = true;
    }

    private static RdbFormatException WrongMagic(ReadOnlySpan<byte> header)
        => new($"Wrong magic: the file starts with '{RdbMagic.Describe(header)}', not 'REDIS' or 'VALKEY' followed by a format version; it is not an RDB file", 0);

    /// <summary>
    /// Reads opcodes up to and including the next key or inline command. Returns null at the end of the file, at a part
    /// this reader cannot follow (with <see cref="_stop"/> set), and always when not materializing.
    /// </summary>
    private RdbEntry? ReadRecord(bool materialize)
    {
        long? expireAtMs = null;
        long? idleSeconds = null;
        byte? frequency = null;
        byte[]? keyMetadata = null;
        var hasMetadata = false;
        long recordStart = -1;
        var walker = _walker!;
        while (true)
        {
            var at = _in.Position;
            var op = _in.ReadByte("an opcode or a value type");
            if (op >= 0x80)
            {
                if (_known[op] is null)
                    return Stop(at, op, $"{RdbFormatCatalog.DescribeByte(op)} at byte {at} is newer than this version of RedisBackup knows");
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
                        _moduleAux++;
                        continue;
                    case RdbOpcodes.Function2:
                        if (materialize) _functions.Add(_in.ReadStringBytes("a function library (FUNCTION2)"));
                        else _in.SkipString("a function library (FUNCTION2)");
                        _functionCount++;
                        continue;
                    case RdbOpcodes.FunctionPreGa:
                        throw new RdbFormatException("Opcode 0xF6 (a pre-GA function library) is not supported; Redis 7.0 and later refuse it too", at);
                    case RdbOpcodes.SlotInfo:
                        _in.ReadLength("the slot id of SLOT_INFO");
                        _in.ReadLength("the slot size of SLOT_INFO");
                        _in.ReadLength("the expires slot size of SLOT_INFO");
                        continue;
                    case RdbOpcodes.KeyMetaOrSlotImport when _family == RdbFamily.Valkey:
                        SlotImport();
                        continue;
                    case RdbOpcodes.KeyMetaOrSlotImport:
                        keyMetadata = KeyMetadata(materialize);
                        hasMetadata = true;
                        if (recordStart < 0) recordStart = at;
                        continue;
                    case RdbOpcodes.HashTemplateOrUpdate when _family == RdbFamily.Valkey:
                        var command = InlineCommand(at, materialize);
                        _inlineCommands++;
                        if (!materialize) continue;
                        return new RdbEntry { Kind = RdbEntryKind.Command, Database = _database, Key = [], Family = _family, Command = command, Offset = at };
                    case RdbOpcodes.HashTemplateOrUpdate:
                        HashTemplate(at);
                        continue;
                }
                throw new InvalidOperationException($"Opcode 0x{op:X2} is in the catalog but has no reader.");
            }

            var type = _known[op];
            if (type is null)
                return Stop(at, op, $"{RdbFormatCatalog.DescribeByte(op)} at byte {at} is newer than this version of RedisBackup knows");
            if (!type.Walkable)
                return Stop(at, op, $"type {op} ({(_family == RdbFamily.Valkey ? "Valkey" : "Redis")} {type.Name}) at byte {at} has a layout this version of RedisBackup does not know");

            byte[]? key = null;
            if (materialize) key = _in.ReadStringBytes("a key");
            else _in.SkipString("a key");

            byte[]? value = null;
            long valueLength = -1;
            var valueStart = _in.Position;
            if (materialize && _lazyValues)
            {
                _pendingType = op;
                _pendingAt = at;
            }
            else if (materialize && _readValues)
            {
                _in.BeginCapture();
                walker.Walk(op, at);
                value = _in.EndCapture();
            }
            else
            {
                walker.Walk(op, at);
            }
            if (_pendingType < 0) valueLength = _in.Position - valueStart;

            _keys++;
            _databaseKeys++;
            if (expireAtMs.HasValue) _keysWithExpiry++;
            if (hasMetadata) _keysWithMetadata++;
            if (!materialize) return null;
            return new RdbEntry
            {
                Database = _database,
                Key = key!,
                ExpireAtMs = expireAtMs,
                Type = op,
                Family = _family,
                Value = value,
                IdleSeconds = idleSeconds,
                Frequency = frequency,
                KeyMetadata = keyMetadata,
                HashTemplate = _pendingType < 0 && walker.TemplateId is { } id ? _templates[id] : null,
                ValueLength = valueLength,
                Offset = recordStart >= 0 ? recordStart : at,
            };
        }
    }

    private RdbEntry? Stop(long at, byte code, string reason)
    {
        _stop = (at, code, reason);
        return null;
    }

    /// <summary>
    /// At a part this reader cannot follow: reads the rest of the file and checks the CRC64 over all of it. A match ends the
    /// reading with the part recorded as unchecked; anything else is corruption.
    /// </summary>
    private async ValueTask StopAsync(CancellationToken cancellationToken)
    {
        var (at, code, reason) = _stop!.Value;
        var unknown = $"{(code >= 0x80 ? "Unknown opcode" : "Unknown value type")} byte {code} (0x{code:X2}) where a key record or opcode was expected ({reason})";
        if (_version < RdbOpcodes.FirstVersionWithChecksum)
            throw new RdbFormatException($"{unknown}; the file has no checksum (format version {_version}), so a newer format cannot be told from damage", at);
        var tail = await _in.ReadTailAsync(_progress, cancellationToken).ConfigureAwait(false);
        if (tail is not { } t || t.LastByte != RdbOpcodes.Eof)
            throw new RdbFormatException($"{unknown}; the file does not end with the end-of-file opcode and an 8-byte checksum, so it is truncated or corrupt", at);
        if (t.Stored == 0)
            throw new RdbFormatException($"{unknown}; the file was written without a checksum (rdbchecksum no), so a newer format cannot be told from damage", at);
        if (t.Stored != t.Computed)
            throw new RdbFormatException($"{unknown}, and the CRC64 over the whole file does not match (stored 0x{t.Stored:X16}, computed 0x{t.Computed:X16}): the file is corrupt", at);
        FlushDatabaseCount();
        _checksumPresent = true;
        _bytes = t.Length;
        _unchecked = new RdbUncheckedPart(at, code, reason);
        _finished = true;
        _stop = null;
    }

    /// <summary>A structure error in a file whose header names a newer format: say so, it may be why.</summary>
    private RdbFormatException NewerAndCorrupt(RdbFormatException ex)
        => new($"{ex.Detail}. Unsupported RDB format version {_version} ('{_magic}'): this reader knows REDIS versions 1 to {RdbFormatCatalog.MaxKnownVersion(RdbFamily.Redis)} " +
               $"and VALKEY {RdbFormatCatalog.MinValkeyVersion} to {RdbFormatCatalog.MaxKnownVersion(RdbFamily.Valkey)}; a newer server may have written the file, but it does not check out", ex.Offset);

    /// <summary>Valkey 9.0 SLOT_IMPORT: a job name and slot ranges being imported.</summary>
    private void SlotImport()
    {
        _in.SkipString("the job name of a SLOT_IMPORT record");
        var ranges = _in.ReadLength("the number of slot ranges in a SLOT_IMPORT record");
        for (ulong r = 0; r < ranges; r++)
        {
            _in.ReadLength("the first slot of a SLOT_IMPORT range");
            _in.ReadLength("the last slot of a SLOT_IMPORT range");
        }
    }

    /// <summary>
    /// Redis 8.6 KEY_META (before a key's type byte): a class count, then per class a 4-byte class spec and a module-encoded
    /// value ending with the module EOF opcode. Returns the whole record (opcode included) when materializing.
    /// </summary>
    private byte[]? KeyMetadata(bool materialize)
    {
        if (materialize) _in.BeginCapture();
        var classes = _in.ReadLength("the number of metadata classes of a KEY_META record");
        for (ulong i = 0; i < classes; i++)
        {
            var at = _in.Position;
            _in.Skip(4, "the 4-byte class spec of a key metadata class", at);
            _walker!.WalkModuleData(at);
        }
        if (!materialize) return null;
        var body = _in.EndCapture();
        var record = new byte[body.Length + 1];
        record[0] = RdbOpcodes.KeyMetaOrSlotImport;
        body.CopyTo(record, 1);
        return record;
    }

    /// <summary>Redis 8.10 HASH_TEMPLATE: a template id, a field count and the field names, referred to by types 30 and 32.</summary>
    private void HashTemplate(long at)
    {
        var id = _in.ReadLength("the id of a hash template");
        var count = _in.ReadLength("the number of fields of a hash template");
        if (count == 0 || count > int.MaxValue / 2) throw new RdbFormatException($"Hash template {id} has {count} fields", at);
        var fields = new byte[(int)count][];
        for (var i = 0; i < fields.Length; i++) fields[i] = _in.ReadStringBytes("a field name of a hash template");
        if (!_templates.TryAdd(id, fields)) throw new RdbFormatException($"Hash template {id} is defined twice", at);
    }

    /// <summary>Valkey 9.2 UPDATE: one command as a RESP array of bulk strings.</summary>
    private byte[][]? InlineCommand(long at, bool materialize)
    {
        if (_in.ReadByte("the '*' of an inline command") != (byte)'*') throw new RdbFormatException("An inline command (UPDATE) does not start with a RESP array ('*')", at);
        var argc = RespNumber(at);
        if (argc < 1) throw new RdbFormatException($"An inline command (UPDATE) has {argc} arguments", at);
        var args = materialize ? new byte[(int)Math.Min(argc, 1 << 20)][] : null;
        for (long i = 0; i < argc; i++)
        {
            var argAt = _in.Position;
            if (_in.ReadByte("the '$' of an inline command argument") != (byte)'$') throw new RdbFormatException("An inline command argument is not a RESP bulk string ('$')", argAt);
            var len = RespNumber(argAt);
            if (len < 0 || len > int.MaxValue - 64) throw new RdbFormatException($"An inline command argument has length {len}", argAt);
            if (args is not null) args[i] = _in.Take((int)len, "an inline command argument").ToArray();
            else _in.Skip(len, "an inline command argument", argAt);
            if (_in.ReadByte("the CR after an inline command argument") != (byte)'\r' || _in.ReadByte("the LF after an inline command argument") != (byte)'\n')
                throw new RdbFormatException("An inline command argument is not followed by CRLF", argAt);
        }
        return args;
    }

    /// <summary>A RESP number up to CRLF.</summary>
    private long RespNumber(long at)
    {
        var text = new StringBuilder();
        while (true)
        {
            var b = _in.ReadByte("a RESP number");
            if (b == '\r')
            {
                if (_in.ReadByte("the LF of a RESP line") != '\n') break;
                return long.TryParse(text.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw BadNumber();
            }
            if (text.Length >= MaxRespDigits) break;
            text.Append((char)b);
        }
        throw BadNumber();

        RdbFormatException BadNumber() => new($"An inline command (UPDATE) has a malformed RESP length '{text}'", at);
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
