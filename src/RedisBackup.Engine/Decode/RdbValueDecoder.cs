using System.Buffers.Binary;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Decode;

/// <summary>
/// Turns one RDB value (the bytes rdbSaveObject wrote, read straight from the file or from a DUMP payload) into logical
/// key records: strings, hashes (with their fields' TTLs), lists, sets, sorted sets and streams, from every encoding the
/// reader knows (plain, integer and LZF strings; ziplist, listpack, intset, zipmap; quicklist 1 and 2; hash and zset
/// listpacks and hash tables; hashes with field TTLs, Redis 7.4's types 24/25 and their pre-GA forms 22/23, Valkey 9's
/// HASH_2; hash templates; streams 1 to 5 with groups, consumers and pending entries).
/// It streams: the value is read as it is decoded and comes out in windows of at most <c>windowElements</c> elements
/// and about <c>windowBytes</c> bytes (a string in pieces of 64 KiB, decompressed on the fly when LZF), so memory is
/// bounded by a window and by the largest single element, never by the value. A caller must read the records to the end.
/// Module values and Redis 8.8 arrays have no logical form (<see cref="CannotDecode"/>).
/// </summary>
internal sealed class RdbValueDecoder
{
    public const int DefaultWindowElements = 2000;
    public const int DefaultWindowBytes = 1 << 20;

    /// <summary>
    /// Bytes per piece of a big string: small enough to stay out of the large object heap (and within the reader's
    /// buffer), so a 400 MB string streams through without garbage the collector only finds in a full collection.
    /// </summary>
    public const int StringPieceBytes = 64 * 1024;

    private readonly RdbInput _in;
    private readonly RdbFamily _family;
    private readonly IReadOnlyDictionary<ulong, byte[][]> _templates;
    private readonly int _elements;
    private readonly int _bytes;

    /// <param name="templates">The file's hash templates (Redis 8.10), for types 30 and 32; empty for a DUMP payload.</param>
    public RdbValueDecoder(RdbInput input, RdbFamily family, IReadOnlyDictionary<ulong, byte[][]> templates,
        int windowElements = DefaultWindowElements, int windowBytes = DefaultWindowBytes)
    {
        _in = input;
        _family = family;
        _templates = templates;
        _elements = windowElements;
        _bytes = windowBytes;
    }

    /// <summary>What the value held that a logical restore cannot write (e.g. a stream's idempotent producers); filled as it is decoded.</summary>
    public List<ValueLoss> Losses { get; } = [];

    /// <summary>Null when values of this type can be decoded; otherwise why not.</summary>
    public static string? CannotDecode(RdbFamily family, byte type)
    {
        var item = RdbFormatCatalog.ValueType(family, type);
        if (item is null) return $"its value type {type} is not one this version of RedisBackup knows";
        return item.Logical switch
        {
            "module" => "it is a module value, which only a server with that module can read (it has no logical form to replay)",
            "array" => "it is a Redis 8.8 array, which has no logical form older servers can store",
            _ when !item.Walkable => $"its value type {type} ({item.Name}) has a layout this version of RedisBackup does not know",
            _ => null,
        };
    }

    /// <summary>The data type name of the records <see cref="Decode"/> returns for <paramref name="type"/>.</summary>
    public static string TypeName(RdbFamily family, byte type) => RdbFormatCatalog.LogicalType(family, type);

    /// <summary>
    /// The value's windows, each a key record holding only <see cref="KeyRecord.Type"/> and the value part (items, field
    /// expiries, or a stream part); the caller fills in the key, database, expiry and chunk numbers.
    /// </summary>
    /// <param name="typeOffset">Where the value's type byte is in the file, for errors.</param>
    public IEnumerable<KeyRecord> Decode(byte type, long typeOffset)
    {
        if (CannotDecode(_family, type) is { } reason) throw new InvalidOperationException($"Value type {type} cannot be decoded: {reason}.");
        return type switch
        {
            0 => StringValue(),
            1 => Elements("list", Strings("a list element")),
            2 => Elements("set", Strings("a set member")),
            3 => Pairs("zset", TextScores()),
            4 or 31 => Pairs("hash", FieldValuePairs("a hash field")),
            5 => Pairs("zset", BinaryScores()),
            9 => Pairs("hash", BlobPairs("a zipmap hash", EncodedEntries.Zipmap)),
            10 => Elements("list", Blob("a ziplist list", EncodedEntries.Ziplist)),
            11 => Elements("set", Blob("an intset", EncodedEntries.Intset)),
            12 => Pairs("zset", BlobPairs("a ziplist sorted set", EncodedEntries.Ziplist)),
            13 => Pairs("hash", BlobPairs("a ziplist hash", EncodedEntries.Ziplist)),
            14 => Elements("list", Quicklist(version2: false)),
            15 => new RdbStreamDecoder(_in, this, 1, _elements, _bytes).Decode(typeOffset),
            16 => Pairs("hash", BlobPairs("a listpack hash", EncodedEntries.Listpack)),
            17 => Pairs("zset", BlobPairs("a listpack sorted set", EncodedEntries.Listpack)),
            18 => Elements("list", Quicklist(version2: true)),
            19 => new RdbStreamDecoder(_in, this, 2, _elements, _bytes).Decode(typeOffset),
            20 => Elements("set", Blob("a listpack set", EncodedEntries.Listpack)),
            21 => new RdbStreamDecoder(_in, this, 3, _elements, _bytes).Decode(typeOffset),
            22 when _family == RdbFamily.Valkey => FieldTtlHash(ValkeyHash2()),
            22 => FieldTtlHash(MetadataHash(hasMinExpire: false)),
            23 => FieldTtlHash(ListpackExHash(hasMinExpire: false, typeOffset)),
            24 => FieldTtlHash(MetadataHash(hasMinExpire: true)),
            25 => FieldTtlHash(ListpackExHash(hasMinExpire: true, typeOffset)),
            26 => new RdbStreamDecoder(_in, this, 4, _elements, _bytes).Decode(typeOffset),
            27 => new RdbStreamDecoder(_in, this, 5, _elements, _bytes).Decode(typeOffset),
            29 => Pairs("hash", TemplateListpack(typeOffset)),
            30 => Pairs("hash", TemplateListpackReference(typeOffset)),
            32 => Pairs("hash", TemplateArrayReference(typeOffset)),
            _ => throw new InvalidOperationException($"Value type {type} has no decoder."),
        };
    }

    private IEnumerable<KeyRecord> StringValue()
    {
        foreach (var piece in StringPieces("a string value"))
        {
            var record = new KeyRecord { Type = "string" };
            record.Items.Add(piece);
            yield return record;
        }
    }

    /// <summary>One RDB string in pieces of at most the window size: raw bytes read a piece at a time, LZF decompressed on the fly.</summary>
    private IEnumerable<byte[]> StringPieces(string what)
    {
        var start = _in.Position;
        var len = _in.ReadLength(what, out var encoded);
        if (!encoded)
        {
            if (len == 0)
            {
                yield return [];
                yield break;
            }
            var left = len;
            while (left > 0)
            {
                var n = (int)Math.Min(left, (ulong)Math.Min(_bytes, StringPieceBytes));
                yield return _in.Take(n, what).ToArray();
                left -= (ulong)n;
            }
            yield break;
        }
        switch (len)
        {
            case 0: yield return EncodedEntries.Text((sbyte)_in.Take(1, what)[0]); break;
            case 1: yield return EncodedEntries.Text(BinaryPrimitives.ReadInt16LittleEndian(_in.Take(2, what))); break;
            case 2: yield return EncodedEntries.Text(BinaryPrimitives.ReadInt32LittleEndian(_in.Take(4, what))); break;
            case 3:
                var compressed = _in.ReadLength("the compressed length of an LZF string");
                var raw = _in.ReadLength("the raw length of an LZF string");
                if (compressed > long.MaxValue || raw > long.MaxValue) throw new RdbFormatException($"{what} is an LZF string of impossible length", start);
                foreach (var piece in LzfPieces.Decompress(_in, (long)compressed, (long)raw, Math.Min(_bytes, StringPieceBytes), what, start)) yield return piece;
                break;
            default:
                throw new RdbFormatException($"Expected {what}, found the unknown string encoding {len} (byte 0x{0xC0 | (int)len:X2})", start);
        }
    }

    private IEnumerable<KeyRecord> Elements(string type, IEnumerable<byte[]> items)
    {
        var windows = new WindowBuilder(type, _elements, _bytes);
        foreach (var item in items)
            if (windows.Add(item) is { } full) yield return full;
        if (windows.Finish() is { } last) yield return last;
    }

    private IEnumerable<KeyRecord> Pairs(string type, IEnumerable<(byte[] First, byte[] Second)> pairs)
    {
        var windows = new WindowBuilder(type, _elements, _bytes);
        foreach (var (first, second) in pairs)
            if (windows.Add(first, second) is { } full) yield return full;
        if (windows.Finish() is { } last) yield return last;
    }

    private IEnumerable<KeyRecord> FieldTtlHash(IEnumerable<(byte[] Field, byte[] Value, long ExpireAtMs)> fields)
    {
        var windows = new WindowBuilder("hash", _elements, _bytes);
        foreach (var (field, value, at) in fields)
            if (windows.Add(field, value, at) is { } full) yield return full;
        if (windows.Finish() is { } last) yield return last;
    }

    private ulong Count(string what) => _in.ReadLength($"the number of items before {what}");

    private IEnumerable<byte[]> Strings(string what)
    {
        var count = Count(what);
        for (ulong i = 0; i < count; i++) yield return _in.ReadStringBytes(what);
    }

    private IEnumerable<(byte[], byte[])> FieldValuePairs(string what)
    {
        var count = Count(what);
        for (ulong i = 0; i < count; i++)
        {
            var field = _in.ReadStringBytes(what);
            yield return (field, _in.ReadStringBytes("a hash value"));
        }
    }

    private IEnumerable<(byte[], byte[])> TextScores()
    {
        var count = Count("a sorted set member");
        for (ulong i = 0; i < count; i++)
        {
            var member = _in.ReadStringBytes("a sorted set member");
            var len = _in.ReadByte("the length of a text sorted set score");
            yield return (member, len >= 253 ? ScoreText.Special(len) : _in.Take(len, "a text sorted set score").ToArray());
        }
    }

    private IEnumerable<(byte[], byte[])> BinaryScores()
    {
        var count = Count("a sorted set member");
        for (ulong i = 0; i < count; i++)
        {
            var member = _in.ReadStringBytes("a sorted set member");
            var score = BitConverter.Int64BitsToDouble(_in.ReadInt64LE("an 8-byte sorted set score"));
            yield return (member, ScoreText.Format(score));
        }
    }

    private delegate List<byte[]> BlobReader(ReadOnlySpan<byte> blob, long offset, string what);

    private IEnumerable<byte[]> Blob(string what, BlobReader read)
    {
        var at = _in.Position;
        foreach (var entry in read(_in.ReadBlob(what), at, what)) yield return entry;
    }

    private IEnumerable<(byte[], byte[])> BlobPairs(string what, BlobReader read)
    {
        var at = _in.Position;
        var entries = read(_in.ReadBlob(what), at, what);
        if (entries.Count % 2 != 0) throw new RdbFormatException($"{char.ToUpperInvariant(what[0])}{what[1..]} holds {entries.Count} entries, not pairs", at);
        for (var i = 0; i < entries.Count; i += 2) yield return (entries[i], entries[i + 1]);
    }

    private IEnumerable<byte[]> Quicklist(bool version2)
    {
        var nodes = Count("a quicklist node");
        for (ulong n = 0; n < nodes; n++)
        {
            var at = _in.Position;
            if (version2)
            {
                var container = _in.ReadLength("the container kind of a quicklist node");
                if (container == 1)
                {
                    yield return _in.ReadStringBytes("a plain quicklist node");
                    continue;
                }
                if (container != 2) throw new RdbFormatException($"A quicklist node has container kind {container}; only 1 (plain) and 2 (listpack) exist", at);
                foreach (var entry in Blob("a quicklist listpack node", EncodedEntries.Listpack)) yield return entry;
            }
            else
            {
                foreach (var entry in Blob("a quicklist ziplist node", EncodedEntries.Ziplist)) yield return entry;
            }
        }
    }

    /// <summary>Redis 7.4 type 24 (8-byte minimum expiry, then ttl + min - 1 per field) and pre-GA type 22 (absolute ttls).</summary>
    private IEnumerable<(byte[], byte[], long)> MetadataHash(bool hasMinExpire)
    {
        var minExpire = hasMinExpire ? _in.ReadInt64LE("the 8-byte minimum expiry of a hash with field TTLs") : 0;
        var count = Count("a hash field");
        for (ulong i = 0; i < count; i++)
        {
            var ttl = _in.ReadLength("the TTL of a hash field");
            var field = _in.ReadStringBytes("a hash field");
            var value = _in.ReadStringBytes("a hash value");
            long at = ttl == 0 ? 0 : hasMinExpire ? (long)ttl + minExpire - 1 : (long)ttl;
            yield return (field, value, at);
        }
    }

    /// <summary>Redis 7.4 type 25 (8-byte minimum expiry, then a listpack of field, value, expiry triplets) and pre-GA type 23.</summary>
    private IEnumerable<(byte[], byte[], long)> ListpackExHash(bool hasMinExpire, long typeOffset)
    {
        if (hasMinExpire) _in.ReadInt64LE("the 8-byte minimum expiry of a listpack hash with field TTLs");
        var at = _in.Position;
        var entries = EncodedEntries.Listpack(_in.ReadBlob("a listpack hash with field TTLs"), at, "a listpack hash with field TTLs");
        if (entries.Count % 3 != 0) throw new RdbFormatException($"A listpack hash with field TTLs holds {entries.Count} entries, not field, value, expiry triplets", typeOffset);
        for (var i = 0; i < entries.Count; i += 3)
            yield return (entries[i], entries[i + 1], EncodedEntries.Integer(entries[i + 2], at, "the expiry of a hash field"));
    }

    /// <summary>Valkey 9 HASH_2: count × (field, value, 8-byte expiry in ms; -1 for none).</summary>
    private IEnumerable<(byte[], byte[], long)> ValkeyHash2()
    {
        var count = Count("a hash field");
        for (ulong i = 0; i < count; i++)
        {
            var field = _in.ReadStringBytes("a hash field");
            var value = _in.ReadStringBytes("a hash value");
            var at = _in.ReadInt64LE("the 8-byte expiry of a hash field");
            yield return (field, value, at > 0 ? at : 0);
        }
    }

    /// <summary>Redis 8.10 type 29: the field names, then a listpack of the values.</summary>
    private IEnumerable<(byte[], byte[])> TemplateListpack(long typeOffset)
    {
        var count = Count("a field name of a template hash");
        if (count > int.MaxValue / 2) throw new RdbFormatException($"A template hash has {count} fields", typeOffset);
        var fields = new byte[(int)count][];
        for (var i = 0; i < fields.Length; i++) fields[i] = _in.ReadStringBytes("a field name of a template hash");
        var at = _in.Position;
        var values = EncodedEntries.Listpack(_in.ReadBlob("the value listpack of a template hash"), at, "the value listpack of a template hash");
        if (values.Count != fields.Length) throw new RdbFormatException($"A template hash has {fields.Length} fields but {values.Count} values", at);
        for (var i = 0; i < fields.Length; i++) yield return (fields[i], values[i]);
    }

    /// <summary>Redis 8.10 type 30 (in a file): one listpack, the template id, then the values.</summary>
    private IEnumerable<(byte[], byte[])> TemplateListpackReference(long typeOffset)
    {
        var at = _in.Position;
        var entries = EncodedEntries.Listpack(_in.ReadBlob("the listpack of a template hash"), at, "the listpack of a template hash");
        if (entries.Count == 0) throw new RdbFormatException("A template hash's listpack is empty", at);
        var fields = Template((ulong)EncodedEntries.Integer(entries[0], at, "the template id of a template hash"), typeOffset);
        if (entries.Count != fields.Length + 1) throw new RdbFormatException($"A template hash holds {entries.Count - 1} values, but its template has {fields.Length} fields", at);
        for (var i = 0; i < fields.Length; i++) yield return (fields[i], entries[i + 1]);
    }

    /// <summary>Redis 8.10 type 32 (in a file): the template id, then one value per template field.</summary>
    private IEnumerable<(byte[], byte[])> TemplateArrayReference(long typeOffset)
    {
        var fields = Template(_in.ReadLength("the template id of a template hash"), typeOffset);
        foreach (var field in fields) yield return (field, _in.ReadStringBytes("a value of a template hash"));
    }

    private byte[][] Template(ulong id, long typeOffset)
        => _templates.TryGetValue(id, out var fields)
            ? fields
            : throw new RdbFormatException($"A template hash refers to hash template {id}, which the file has not defined before it", typeOffset);
}
