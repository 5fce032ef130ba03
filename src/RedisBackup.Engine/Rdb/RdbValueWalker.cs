using System.Text;

namespace RedisBackup.Engine.Rdb;

/// <summary>
/// Walks past one value (the bytes rdbSaveObject wrote) by the layout of its type, so the caller can capture or skip it.
/// With <c>deep</c>, it also checks the encodings inside (ziplist, listpack, intset, zipmap), empty collections and
/// duplicate members, as redis-check-rdb does. The caller decides first, with <see cref="RdbFormatCatalog"/>, that the
/// type is one this reader knows for the file's family.
/// </summary>
internal sealed class RdbValueWalker
{
    private readonly RdbInput _in;
    private readonly bool _deep;
    private readonly bool _valkey;
    private readonly IReadOnlyDictionary<ulong, byte[][]> _templates;

    /// <param name="templates">The hash templates the file defined so far (Redis 8.10+), by id.</param>
    public RdbValueWalker(RdbInput input, bool deep, RdbFamily family, IReadOnlyDictionary<ulong, byte[][]> templates)
    {
        _in = input;
        _deep = deep;
        _valkey = family == RdbFamily.Valkey;
        _templates = templates;
    }

    /// <summary>After a type 30 or 32 value: the id of the hash template it refers to.</summary>
    public ulong? TemplateId { get; private set; }

    /// <param name="typeOffset">Offset of the type byte, for errors.</param>
    public void Walk(byte type, long typeOffset)
    {
        TemplateId = null;
        switch (type)
        {
            case 0: _in.SkipString("a string value"); break;
            case 1: Strings(typeOffset, "a list element", unique: false); break;
            case 2: Strings(typeOffset, "a set member", unique: true); break;
            case 3: SortedSet(typeOffset, binaryScores: false); break;
            case 4: Hash(typeOffset); break;
            case 5: SortedSet(typeOffset, binaryScores: true); break;
            case 6: throw new RdbFormatException("Value type 6 (a pre-GA module value) is not supported; Redis refuses it too", typeOffset);
            case 7: Module(typeOffset); break;
            case 9: Blob(typeOffset, "a zipmap hash", Encoded.Zipmap); break;
            case 10: Blob(typeOffset, "a ziplist list", Encoded.Ziplist, UniqueEntries.None); break;
            case 11: Blob(typeOffset, "an intset", Encoded.Intset); break;
            case 12: Blob(typeOffset, "a ziplist sorted set", Encoded.Ziplist, UniqueEntries.EvenPositions, multiple: 2); break;
            case 13: Blob(typeOffset, "a ziplist hash", Encoded.Ziplist, UniqueEntries.EvenPositions, multiple: 2); break;
            case 14: Quicklist(typeOffset, version2: false); break;
            case 15: Stream(typeOffset, 1); break;
            case 16: Blob(typeOffset, "a listpack hash", Encoded.Listpack, UniqueEntries.EvenPositions, multiple: 2); break;
            case 17: Blob(typeOffset, "a listpack sorted set", Encoded.Listpack, UniqueEntries.EvenPositions, multiple: 2); break;
            case 18: Quicklist(typeOffset, version2: true); break;
            case 19: Stream(typeOffset, 2); break;
            case 20: Blob(typeOffset, "a listpack set", Encoded.Listpack, UniqueEntries.All); break;
            case 21: Stream(typeOffset, 3); break;
            case 22 when _valkey: ValkeyHashWithFieldTtls(typeOffset); break;
            case 22: HashWithFieldTtls(typeOffset, hasMinExpire: false); break;
            case 23 when !_valkey: Blob(typeOffset, "a pre-GA listpack hash with field TTLs", Encoded.None); break;
            case 24: HashWithFieldTtls(typeOffset, hasMinExpire: true); break;
            case 25:
                _in.Skip(8, "the 8-byte minimum expiry of a listpack hash with field TTLs", _in.Position);
                Blob(typeOffset, "a listpack hash with field TTLs", Encoded.Listpack, UniqueEntries.None, multiple: 3);
                break;
            case 26: Stream(typeOffset, 4); break;
            case 27: Stream(typeOffset, 5); break;
            case 28: Array(typeOffset); break;
            case 29: TemplateListpack(typeOffset); break;
            case 30: TemplateListpackReference(typeOffset); break;
            case 31: Hash(typeOffset, "a field of a template hash"); break;
            case 32: TemplateArrayReference(typeOffset); break;
            default:
                throw new RdbFormatException($"Unknown value type {type} (0x{type:X2}){(_valkey ? " in a Valkey file" : "")}", typeOffset);
        }
    }

    private enum Encoded { None, Ziplist, Listpack, Intset, Zipmap }

    private void Strings(long typeOffset, string what, bool unique)
    {
        var count = Count(typeOffset, what);
        if (_deep && unique)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (ulong i = 0; i < count; i++)
            {
                var at = _in.Position;
                if (!seen.Add(Encoding.Latin1.GetString(_in.ReadBlob(what)))) throw new RdbFormatException($"Duplicate {what} in a set", at);
            }
            return;
        }
        for (ulong i = 0; i < count; i++) _in.SkipString(what);
    }

    private void Hash(long typeOffset, string what = "a hash field")
    {
        var count = Count(typeOffset, what);
        var seen = _deep ? new HashSet<string>(StringComparer.Ordinal) : null;
        for (ulong i = 0; i < count; i++)
        {
            Member(seen, what);
            _in.SkipString("a hash value");
        }
    }

    private void SortedSet(long typeOffset, bool binaryScores)
    {
        var count = Count(typeOffset, "a sorted set member");
        var seen = _deep ? new HashSet<string>(StringComparer.Ordinal) : null;
        for (ulong i = 0; i < count; i++)
        {
            Member(seen, "a sorted set member");
            if (binaryScores)
            {
                _in.Skip(8, "an 8-byte sorted set score", _in.Position);
                continue;
            }
            var at = _in.Position;
            var len = _in.ReadByte("the length of a text sorted set score");
            if (len < 253) _in.Skip(len, "a text sorted set score", at);
        }
    }

    private void HashWithFieldTtls(long typeOffset, bool hasMinExpire)
    {
        if (hasMinExpire) _in.Skip(8, "the 8-byte minimum expiry of a hash with field TTLs", _in.Position);
        var count = Count(typeOffset, "a hash field");
        var seen = _deep ? new HashSet<string>(StringComparer.Ordinal) : null;
        for (ulong i = 0; i < count; i++)
        {
            _in.ReadLength("the TTL of a hash field");
            Member(seen, "a hash field");
            _in.SkipString("a hash value");
        }
    }

    /// <summary>Valkey 9 HASH_2: count × (field, value, 8-byte expiry in ms), per Valkey's rdbSaveObject.</summary>
    private void ValkeyHashWithFieldTtls(long typeOffset)
    {
        var count = Count(typeOffset, "a hash field");
        var seen = _deep ? new HashSet<string>(StringComparer.Ordinal) : null;
        for (ulong i = 0; i < count; i++)
        {
            Member(seen, "a hash field");
            _in.SkipString("a hash value");
            _in.Skip(8, "the 8-byte expiry of a hash field", _in.Position);
        }
    }

    private void Member(HashSet<string>? seen, string what)
    {
        if (seen is null)
        {
            _in.SkipString(what);
            return;
        }
        var at = _in.Position;
        if (!seen.Add(Encoding.Latin1.GetString(_in.ReadBlob(what)))) throw new RdbFormatException($"Duplicate {what}", at);
    }

    private ulong Count(long typeOffset, string what)
    {
        var count = _in.ReadLength($"the number of items before {what}");
        if (_deep && count == 0) throw new RdbFormatException($"The collection at this offset is empty (a count of 0 before {what}); Redis rejects empty keys", typeOffset);
        return count;
    }

    /// <summary>One string holding an encoded collection; returns its entry count in deep mode (0 otherwise).</summary>
    private int Blob(long typeOffset, string what, Encoded encoding, UniqueEntries unique = UniqueEntries.None, int multiple = 1, bool allowEmpty = false)
    {
        if (!_deep || encoding == Encoded.None)
        {
            _in.SkipString(what);
            return 0;
        }
        var at = _in.Position;
        var blob = _in.ReadBlob(what);
        var count = encoding switch
        {
            Encoded.Ziplist => RdbEncodingValidator.Ziplist(blob, at, what, unique),
            Encoded.Listpack => RdbEncodingValidator.Listpack(blob, at, what, unique),
            Encoded.Intset => RdbEncodingValidator.Intset(blob, at, what),
            _ => RdbEncodingValidator.Zipmap(blob, at, what),
        };
        if (count == 0 && !allowEmpty) throw new RdbFormatException($"{Capitalize(what)} is empty; Redis rejects empty keys", typeOffset);
        if (count % multiple != 0) throw new RdbFormatException($"{Capitalize(what)} holds {count} entries, not a multiple of {multiple}", at);
        return count;
    }

    private void Quicklist(long typeOffset, bool version2)
    {
        var nodes = Count(typeOffset, "a quicklist node");
        long entries = 0;
        for (ulong i = 0; i < nodes; i++)
        {
            if (version2)
            {
                var at = _in.Position;
                var container = _in.ReadLength("the container kind of a quicklist node");
                if (container == 1)
                {
                    _in.SkipString("a plain quicklist node");
                    entries++;
                    continue;
                }
                if (container != 2) throw new RdbFormatException($"A quicklist node has container kind {container}; only 1 (plain) and 2 (listpack) exist", at);
                entries += Blob(typeOffset, "a quicklist listpack node", Encoded.Listpack, allowEmpty: true);
            }
            else
            {
                entries += Blob(typeOffset, "a quicklist ziplist node", Encoded.Ziplist, allowEmpty: true);
            }
        }
        if (_deep && entries == 0) throw new RdbFormatException("A quicklist holds no elements; Redis rejects empty keys", typeOffset);
    }

    private void Stream(long typeOffset, int version)
    {
        var nodes = _in.ReadLength("the number of stream listpack nodes");
        for (ulong i = 0; i < nodes; i++)
        {
            var at = _in.Position;
            var nodeKey = _in.ReadBlob("the master ID of a stream node");
            if (nodeKey.Length != 16) throw new RdbFormatException($"A stream node's master ID is {nodeKey.Length} bytes; it must be 16", at);
            Blob(typeOffset, "a stream listpack node", Encoded.Listpack);
        }
        _in.ReadLength("the length of a stream");
        _in.ReadLength("the last ID of a stream (milliseconds)");
        _in.ReadLength("the last ID of a stream (sequence)");
        if (version >= 2)
        {
            _in.ReadLength("the first ID of a stream (milliseconds)");
            _in.ReadLength("the first ID of a stream (sequence)");
            _in.ReadLength("the max deleted ID of a stream (milliseconds)");
            _in.ReadLength("the max deleted ID of a stream (sequence)");
            _in.ReadLength("the entries-added counter of a stream");
        }
        var groups = _in.ReadLength("the number of stream consumer groups");
        for (ulong g = 0; g < groups; g++)
        {
            _in.SkipString("the name of a consumer group");
            _in.ReadLength("the last delivered ID of a consumer group (milliseconds)");
            _in.ReadLength("the last delivered ID of a consumer group (sequence)");
            if (version >= 2) _in.ReadLength("the entries-read counter of a consumer group");
            var pending = _in.ReadLength("the size of a consumer group's pending list");
            for (ulong p = 0; p < pending; p++)
            {
                _in.Skip(16 + 8, "a pending entry (16-byte ID and 8-byte delivery time)", _in.Position);
                _in.ReadLength("the delivery count of a pending entry");
            }
            var consumers = _in.ReadLength("the number of consumers in a group");
            for (ulong c = 0; c < consumers; c++)
            {
                _in.SkipString("the name of a consumer");
                _in.Skip(version >= 3 ? 16 : 8, version >= 3 ? "a consumer's seen and active times" : "a consumer's seen time", _in.Position);
                var owned = _in.ReadLength("the size of a consumer's pending list");
                SkipIds(owned, "the 16-byte IDs of a consumer's pending entries");
            }
            if (version >= 5)
            {
                // Redis 8.8: pending entries no consumer owns (NACKed), as raw 16-byte IDs.
                var nacked = _in.ReadLength("the size of a consumer group's NACK zone");
                SkipIds(nacked, "the 16-byte IDs of a consumer group's NACKed entries");
            }
        }
        if (version >= 4) IdempotentProducers();
    }

    /// <summary>Redis 8.6 (stream v4 and later): the IDMP block, idempotent producers and the IDs they recorded.</summary>
    private void IdempotentProducers()
    {
        _in.ReadLength("the IDMP duration of a stream");
        _in.ReadLength("the IDMP maximum entries of a stream");
        var producers = _in.ReadLength("the number of IDMP producers of a stream");
        for (ulong p = 0; p < producers; p++)
        {
            _in.SkipString("the id of an IDMP producer");
            var entries = _in.ReadLength("the number of IDs an IDMP producer recorded");
            for (ulong e = 0; e < entries; e++)
            {
                _in.SkipString("an idempotent ID (IID)");
                _in.ReadLength("the stream ID of an IID (milliseconds)");
                _in.ReadLength("the stream ID of an IID (sequence)");
            }
        }
        _in.ReadLength("the IIDs-added counter of a stream");
        _in.ReadLength("the IIDs-duplicates counter of a stream");
    }

    private void SkipIds(ulong count, string what)
    {
        if (count > 0) _in.Skip((long)Math.Min(count, long.MaxValue / 32) * 16, what, _in.Position);
    }

    /// <summary>
    /// Redis 8.8 sparse array: count, an insert-index flag (0, or 1 followed by the index), then per element its index
    /// (ascending), a tag (0 string, 1 int64, 2 double, 3 short string) and the value.
    /// </summary>
    private void Array(long typeOffset)
    {
        var count = Count(typeOffset, "an array element");
        var flagAt = _in.Position;
        var hasInsertIndex = _in.ReadLength("the insert-index flag of an array");
        if (hasInsertIndex > 1) throw new RdbFormatException($"An array's insert-index flag is {hasInsertIndex}; it must be 0 or 1", flagAt);
        if (hasInsertIndex == 1) _in.ReadLength("the insert index of an array");
        ulong previous = 0;
        for (ulong i = 0; i < count; i++)
        {
            var at = _in.Position;
            var index = _in.ReadLength("the index of an array element");
            if (_deep && i > 0 && index <= previous) throw new RdbFormatException($"Array element index {index} does not follow index {previous} in ascending order", at);
            previous = index;
            var tagAt = _in.Position;
            switch (_in.ReadLength("the tag of an array element"))
            {
                case 0 or 3: _in.SkipString("an array element"); break;
                case 1 or 2: _in.Skip(8, "an 8-byte array element", tagAt); break;
                case var tag: throw new RdbFormatException($"An array element has tag {tag}; only 0 (string), 1 (integer), 2 (double) and 3 (short string) exist", tagAt);
            }
        }
    }

    /// <summary>Redis 8.10 self-contained template hash (DUMP form): the field count and names, then a listpack of the values.</summary>
    private void TemplateListpack(long typeOffset)
    {
        var count = Count(typeOffset, "a field name of a template hash");
        var seen = _deep ? new HashSet<string>(StringComparer.Ordinal) : null;
        for (ulong i = 0; i < count; i++) Member(seen, "a field name of a template hash");
        Blob(typeOffset, "the value listpack of a template hash", Encoded.Listpack);
    }

    /// <summary>Redis 8.10 template hash in a file: one listpack whose first entry is the template id, then the values.</summary>
    private void TemplateListpackReference(long typeOffset)
    {
        var at = _in.Position;
        var blob = _in.ReadBlob("the listpack of a template hash");
        var entries = _deep ? RdbEncodingValidator.Listpack(blob, at, "the listpack of a template hash", UniqueEntries.None) : -1;
        if (RdbEncodingValidator.ListpackFirstInteger(blob) is not { } id || id < 0)
            throw new RdbFormatException("A template hash's listpack does not start with an integer template id", at);
        var fields = Template((ulong)id, typeOffset);
        if (entries >= 0 && entries != fields.Length + 1)
            throw new RdbFormatException($"A template hash holds {entries - 1} values, but its template {id} has {fields.Length} fields", at);
        TemplateId = (ulong)id;
    }

    /// <summary>Redis 8.10 template hash in a file: the template id, then one value per template field.</summary>
    private void TemplateArrayReference(long typeOffset)
    {
        var id = _in.ReadLength("the template id of a template hash");
        var fields = Template(id, typeOffset);
        for (var i = 0; i < fields.Length; i++) _in.SkipString("a value of a template hash");
        TemplateId = id;
    }

    private byte[][] Template(ulong id, long typeOffset)
        => _templates.TryGetValue(id, out var fields)
            ? fields
            : throw new RdbFormatException($"A template hash refers to hash template {id}, which the file has not defined before it", typeOffset);

    private void Module(long typeOffset)
    {
        _in.ReadLength("a module type id");
        WalkModuleData(typeOffset);
    }

    /// <summary>Module data as a sequence of typed items ending with opcode 0 (also used for MODULE_AUX).</summary>
    public void WalkModuleData(long startOffset)
    {
        while (true)
        {
            var at = _in.Position;
            var opcode = _in.ReadLength("a module data opcode");
            switch (opcode)
            {
                case 0: return;
                case 1 or 2: _in.ReadLength("a module integer"); break;
                case 3: _in.Skip(4, "a module float", at); break;
                case 4: _in.Skip(8, "a module double", at); break;
                case 5: _in.SkipString("a module string"); break;
                default: throw new RdbFormatException($"Unknown module data opcode {opcode} in the module value starting at byte {startOffset}", at);
            }
        }
    }

    private static string Capitalize(string what) => char.ToUpperInvariant(what[0]) + what[1..];
}
