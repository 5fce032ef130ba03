using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace RedisBackup.Engine.Rdb;

/// <summary>Which entries of an encoded collection must be unique.</summary>
internal enum UniqueEntries
{
    None,
    /// <summary>Entries 0, 2, 4, … (hash fields, zset members).</summary>
    EvenPositions,
    /// <summary>Every entry (set members).</summary>
    All,
}

/// <summary>
/// Deep checks of the encodings stored inside RDB strings (ziplist, listpack, intset, zipmap), the way Redis's
/// sanitize-dump-payload and redis-check-rdb check them. Each returns the number of entries or throws
/// <see cref="RdbFormatException"/> at the blob's file offset, naming the byte inside the blob.
/// </summary>
internal static class RdbEncodingValidator
{
    private const int ZiplistHeader = 10;
    private const int ListpackHeader = 6;
    private const byte End = 0xFF;

    public static int Ziplist(ReadOnlySpan<byte> zl, long offset, string what, UniqueEntries unique)
    {
        if (zl.Length < ZiplistHeader + 1) throw Bad(what, offset, $"it is {zl.Length} bytes, shorter than the 11-byte minimum");
        var zlbytes = BinaryPrimitives.ReadUInt32LittleEndian(zl);
        if (zlbytes != zl.Length) throw Bad(what, offset, $"its header says {zlbytes} bytes but it is {zl.Length}");
        var zltail = BinaryPrimitives.ReadUInt32LittleEndian(zl[4..]);
        var zllen = BinaryPrimitives.ReadUInt16LittleEndian(zl[8..]);
        if (zl[^1] != End) throw Bad(what, offset, "it does not end with 0xFF");

        var seen = unique == UniqueEntries.None ? null : new HashSet<string>(StringComparer.Ordinal);
        var limit = zl.Length - 1;
        var p = ZiplistHeader;
        var prevSize = 0L;
        var lastEntry = ZiplistHeader;
        var count = 0;
        while (zl[p] != End)
        {
            var start = p;
            long prevlen;
            if (zl[p] < 254) prevlen = zl[p++];
            else
            {
                if (p + 5 > limit) throw Bad(what, offset, $"entry {count} at byte {start} has a 5-byte prevlen that passes the end");
                prevlen = BinaryPrimitives.ReadUInt32LittleEndian(zl.Slice(p + 1, 4));
                p += 5;
            }
            if (prevlen != prevSize) throw Bad(what, offset, $"entry {count} at byte {start} says the previous entry is {prevlen} bytes, but it is {prevSize}");
            if (p >= limit) throw Bad(what, offset, $"entry {count} at byte {start} has no encoding byte before the end");

            var enc = zl[p];
            int header;
            long dataLen;
            var isString = false;
            switch (enc >> 6)
            {
                case 0: header = 1; dataLen = enc & 0x3F; isString = true; break;
                case 1:
                    header = 2;
                    if (p + 2 > limit) throw Bad(what, offset, $"entry {count} at byte {start} has a 14-bit length that passes the end");
                    dataLen = ((enc & 0x3F) << 8) | zl[p + 1];
                    isString = true;
                    break;
                case 2:
                    if (enc != 0x80) throw Bad(what, offset, $"entry {count} at byte {start} has the invalid string encoding 0x{enc:X2}");
                    header = 5;
                    if (p + 5 > limit) throw Bad(what, offset, $"entry {count} at byte {start} has a 32-bit length that passes the end");
                    dataLen = BinaryPrimitives.ReadUInt32BigEndian(zl.Slice(p + 1, 4));
                    isString = true;
                    break;
                default:
                    header = 1;
                    dataLen = enc switch
                    {
                        0xC0 => 2,
                        0xD0 => 4,
                        0xE0 => 8,
                        0xF0 => 3,
                        0xFE => 1,
                        >= 0xF1 and <= 0xFD => 0,
                        _ => throw Bad(what, offset, $"entry {count} at byte {start} has the invalid integer encoding 0x{enc:X2}"),
                    };
                    break;
            }
            if (p + header + dataLen > limit) throw Bad(what, offset, $"entry {count} at byte {start} is {header + dataLen} bytes long and passes the end");
            var data = zl.Slice(p + header, (int)dataLen);
            if (seen is not null && (unique == UniqueEntries.All || count % 2 == 0))
            {
                var text = isString ? Encoding.Latin1.GetString(data) : ZiplistInteger(enc, data).ToString(CultureInfo.InvariantCulture);
                if (!seen.Add(text)) throw Bad(what, offset, $"entry {count} at byte {start} repeats an earlier {(unique == UniqueEntries.All ? "member" : "field")}");
            }
            p += header + (int)dataLen;
            prevSize = p - start;
            lastEntry = start;
            count++;
        }
        if (p != limit) throw Bad(what, offset, $"the end marker is at byte {p}, not at the last byte {limit}");
        if (zltail != lastEntry) throw Bad(what, offset, $"its tail offset is {zltail}, but the last entry starts at byte {lastEntry}");
        if (zllen != ushort.MaxValue && zllen != count) throw Bad(what, offset, $"its header counts {zllen} entries, but it holds {count}");
        return count;
    }

    public static int Listpack(ReadOnlySpan<byte> lp, long offset, string what, UniqueEntries unique)
    {
        if (lp.Length < ListpackHeader + 1) throw Bad(what, offset, $"it is {lp.Length} bytes, shorter than the 7-byte minimum");
        var total = BinaryPrimitives.ReadUInt32LittleEndian(lp);
        if (total != lp.Length) throw Bad(what, offset, $"its header says {total} bytes but it is {lp.Length}");
        var numele = BinaryPrimitives.ReadUInt16LittleEndian(lp[4..]);
        if (lp[^1] != End) throw Bad(what, offset, "it does not end with 0xFF");

        var seen = unique == UniqueEntries.None ? null : new HashSet<string>(StringComparer.Ordinal);
        var limit = lp.Length - 1;
        var p = ListpackHeader;
        var count = 0;
        while (lp[p] != End)
        {
            var start = p;
            var enc = lp[p];
            long entryLen;
            long dataStart;
            var isString = false;
            if (enc < 0x80) { entryLen = 1; dataStart = 0; }
            else if ((enc & 0xC0) == 0x80) { entryLen = 1 + (enc & 0x3F); dataStart = 1; isString = true; }
            else if ((enc & 0xE0) == 0xC0) { entryLen = 2; dataStart = 0; }
            else if ((enc & 0xF0) == 0xE0)
            {
                if (p + 2 > limit) throw Bad(what, offset, $"entry {count} at byte {start} has a 12-bit length that passes the end");
                entryLen = 2 + (((enc & 0x0F) << 8) | lp[p + 1]);
                dataStart = 2;
                isString = true;
            }
            else
            {
                switch (enc)
                {
                    case 0xF0:
                        if (p + 5 > limit) throw Bad(what, offset, $"entry {count} at byte {start} has a 32-bit length that passes the end");
                        entryLen = 5L + BinaryPrimitives.ReadUInt32LittleEndian(lp.Slice(p + 1, 4));
                        dataStart = 5;
                        isString = true;
                        break;
                    case 0xF1: entryLen = 3; dataStart = 1; break;
                    case 0xF2: entryLen = 4; dataStart = 1; break;
                    case 0xF3: entryLen = 5; dataStart = 1; break;
                    case 0xF4: entryLen = 9; dataStart = 1; break;
                    default: throw Bad(what, offset, $"entry {count} at byte {start} has the invalid encoding 0x{enc:X2}");
                }
            }
            var backlenSize = BacklenSize(entryLen);
            if (p + entryLen + backlenSize > limit) throw Bad(what, offset, $"entry {count} at byte {start} is {entryLen + backlenSize} bytes long and passes the end");
            var backlen = DecodeBacklen(lp, p + (int)entryLen + backlenSize - 1, p + (int)entryLen);
            if (backlen != entryLen) throw Bad(what, offset, $"entry {count} at byte {start} has a back-length of {backlen}, but its encoding is {entryLen} bytes");
            if (seen is not null && (unique == UniqueEntries.All || count % 2 == 0))
            {
                var text = isString
                    ? Encoding.Latin1.GetString(lp.Slice(p + (int)dataStart, (int)(entryLen - dataStart)))
                    : ListpackInteger(lp.Slice(p, (int)entryLen)).ToString(CultureInfo.InvariantCulture);
                if (!seen.Add(text)) throw Bad(what, offset, $"entry {count} at byte {start} repeats an earlier {(unique == UniqueEntries.All ? "member" : "field")}");
            }
            p += (int)entryLen + backlenSize;
            count++;
        }
        if (p != limit) throw Bad(what, offset, $"the end marker is at byte {p}, not at the last byte {limit}");
        if (numele != ushort.MaxValue && numele != count) throw Bad(what, offset, $"its header counts {numele} entries, but it holds {count}");
        return count;
    }

    /// <summary>The first entry of a listpack as an integer (an integer encoding, or a string of decimal digits); null otherwise.</summary>
    public static long? ListpackFirstInteger(ReadOnlySpan<byte> lp)
    {
        if (lp.Length < ListpackHeader + 2 || lp[ListpackHeader] == End) return null;
        var entry = lp[ListpackHeader..^1];
        var enc = entry[0];
        int need = enc switch
        {
            < 0x80 => 1,
            _ when (enc & 0xE0) == 0xC0 => 2,
            0xF1 => 3,
            0xF2 => 4,
            0xF3 => 5,
            0xF4 => 9,
            _ => 0,
        };
        if (need > 0) return entry.Length >= need ? ListpackInteger(entry[..need]) : null;
        if ((enc & 0xC0) != 0x80 || entry.Length < 1 + (enc & 0x3F)) return null;
        return long.TryParse(entry.Slice(1, enc & 0x3F), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    public static int Intset(ReadOnlySpan<byte> set, long offset, string what)
    {
        if (set.Length < 8) throw Bad(what, offset, $"it is {set.Length} bytes, shorter than its 8-byte header");
        var width = BinaryPrimitives.ReadUInt32LittleEndian(set);
        if (width is not (2 or 4 or 8)) throw Bad(what, offset, $"its integer width is {width}; only 2, 4 and 8 are valid");
        var count = BinaryPrimitives.ReadUInt32LittleEndian(set[4..]);
        if (8 + ((long)count * width) != set.Length) throw Bad(what, offset, $"it says {count} integers of {width} bytes, but it is {set.Length} bytes");
        if (count == 0) throw Bad(what, offset, "it is empty");
        var previous = long.MinValue;
        for (var i = 0; i < count; i++)
        {
            var at = set.Slice(8 + (i * (int)width), (int)width);
            long value = width switch
            {
                2 => BinaryPrimitives.ReadInt16LittleEndian(at),
                4 => BinaryPrimitives.ReadInt32LittleEndian(at),
                _ => BinaryPrimitives.ReadInt64LittleEndian(at),
            };
            if (i > 0 && value <= previous) throw Bad(what, offset, $"integer {i} ({value}) is not greater than the one before it ({previous})");
            previous = value;
        }
        return (int)count;
    }

    /// <summary>Returns the number of field/value pairs.</summary>
    public static int Zipmap(ReadOnlySpan<byte> zm, long offset, string what)
    {
        if (zm.Length < 2) throw Bad(what, offset, $"it is {zm.Length} bytes, shorter than the 2-byte minimum");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var limit = zm.Length - 1;
        var p = 1;
        var count = 0;
        while (true)
        {
            if (p > limit) throw Bad(what, offset, "it has no end marker");
            if (zm[p] == End) break;
            var start = p;
            var keyLen = ZipmapLength(zm, ref p, limit, what, offset, count);
            if (p + keyLen > limit) throw Bad(what, offset, $"field {count} at byte {start} passes the end");
            if (!seen.Add(Encoding.Latin1.GetString(zm.Slice(p, (int)keyLen)))) throw Bad(what, offset, $"field {count} at byte {start} repeats an earlier field");
            p += (int)keyLen;
            if (p > limit || zm[p] == End) throw Bad(what, offset, $"field {count} at byte {start} has no value");
            var valueLen = ZipmapLength(zm, ref p, limit, what, offset, count);
            if (p >= limit) throw Bad(what, offset, $"value {count} has no free-space byte");
            int free = zm[p++];
            if (p + valueLen + free > limit) throw Bad(what, offset, $"value {count} at byte {start} passes the end");
            p += (int)valueLen + free;
            count++;
        }
        if (p != limit) throw Bad(what, offset, $"the end marker is at byte {p}, not at the last byte {limit}");
        if (zm[0] < 254 && zm[0] != count) throw Bad(what, offset, $"its header counts {zm[0]} pairs, but it holds {count}");
        return count;
    }

    private static long ZipmapLength(ReadOnlySpan<byte> zm, ref int p, int limit, string what, long offset, int index)
    {
        if (zm[p] < 254) return zm[p++];
        if (zm[p] != 254 || p + 5 > limit) throw Bad(what, offset, $"entry {index} has an invalid length at byte {p}");
        var len = BinaryPrimitives.ReadUInt32LittleEndian(zm.Slice(p + 1, 4));
        p += 5;
        return len;
    }

    private static int BacklenSize(long entryLen) => entryLen switch
    {
        <= 127 => 1,
        < 16383 => 2,
        < 2097151 => 3,
        < 268435455 => 4,
        _ => 5,
    };

    private static long DecodeBacklen(ReadOnlySpan<byte> lp, int last, int first)
    {
        long value = 0;
        var shift = 0;
        for (var i = last; i >= first; i--)
        {
            value |= (long)(lp[i] & 0x7F) << shift;
            if ((lp[i] & 0x80) == 0) return i == first ? value : -1;
            shift += 7;
        }
        return -1;
    }

    private static long ZiplistInteger(byte enc, ReadOnlySpan<byte> data) => enc switch
    {
        0xC0 => BinaryPrimitives.ReadInt16LittleEndian(data),
        0xD0 => BinaryPrimitives.ReadInt32LittleEndian(data),
        0xE0 => BinaryPrimitives.ReadInt64LittleEndian(data),
        0xF0 => (data[0] | (data[1] << 8) | (data[2] << 16)) << 8 >> 8,
        0xFE => (sbyte)data[0],
        _ => (enc & 0x0F) - 1,
    };

    private static long ListpackInteger(ReadOnlySpan<byte> entry)
    {
        var enc = entry[0];
        if (enc < 0x80) return enc;
        if ((enc & 0xE0) == 0xC0)
        {
            var v = ((enc & 0x1F) << 8) | entry[1];
            return v >= 1 << 12 ? v - (1 << 13) : v;
        }
        return enc switch
        {
            0xF1 => BinaryPrimitives.ReadInt16LittleEndian(entry[1..]),
            0xF2 => (entry[1] | (entry[2] << 8) | (entry[3] << 16)) << 8 >> 8,
            0xF3 => BinaryPrimitives.ReadInt32LittleEndian(entry[1..]),
            _ => BinaryPrimitives.ReadInt64LittleEndian(entry[1..]),
        };
    }

    private static RdbFormatException Bad(string what, long offset, string problem)
        => new($"{char.ToUpperInvariant(what[0])}{what[1..]} is corrupt: {problem}", offset);
}
