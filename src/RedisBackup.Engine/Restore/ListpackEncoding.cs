using System.Buffers.Binary;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Writes Redis's compact blobs exactly as Redis 7 builds them, so a RESTORE loads them as they are instead of
/// rebuilding each collection element by element: a listpack (the value of RDB types 16, 17 and of a quicklist2
/// node) and an intset (type 11). Elements that read as a canonical 64-bit integer are stored as integers, as
/// Redis's own lpAppend does; tests compare the output byte for byte with the server's own DUMP payloads.
/// </summary>
internal static class ListpackEncoding
{
    private const int HeaderSize = 6;
    private const byte End = 0xFF;

    /// <summary>Writes the listpack of <paramref name="elements"/> into <paramref name="destination"/>, which is exactly <see cref="ListpackSize"/> bytes.</summary>
    public static void WriteListpack(Span<byte> destination, IReadOnlyList<byte[]> elements)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)destination.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], (ushort)Math.Min(elements.Count, ushort.MaxValue));
        var at = HeaderSize;
        foreach (var element in elements) at += Append(destination[at..], element);
        destination[at] = End;
    }

    /// <summary>The size in bytes of the listpack of <paramref name="elements"/> (what <see cref="WriteListpack"/> fills).</summary>
    public static long ListpackSize(IReadOnlyList<byte[]> elements)
    {
        long size = HeaderSize + 1;
        foreach (var element in elements)
        {
            var entry = TryParseInteger(element, out var v) ? IntegerSize(v) : StringHeaderSize(element.Length) + element.Length;
            size += entry + BacklenSize(entry);
        }
        return size;
    }

    /// <summary>An intset of <paramref name="sorted"/> (ascending, no repeats), with the narrowest width that holds them all.</summary>
    public static byte[] Intset(long[] sorted)
    {
        var width = 2;
        foreach (var v in sorted)
        {
            if (v is < int.MinValue or > int.MaxValue) width = 8;
            else if (v is < short.MinValue or > short.MaxValue && width < 4) width = 4;
        }
        var result = new byte[8 + width * sorted.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(result, (uint)width);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4), (uint)sorted.Length);
        var at = 8;
        foreach (var v in sorted)
        {
            switch (width)
            {
                case 2: BinaryPrimitives.WriteInt16LittleEndian(result.AsSpan(at), (short)v); break;
                case 4: BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(at), (int)v); break;
                default: BinaryPrimitives.WriteInt64LittleEndian(result.AsSpan(at), v); break;
            }
            at += width;
        }
        return result;
    }

    /// <summary>
    /// Redis's string2ll / lpStringToInt64: true only for the canonical decimal form of an int64 (no sign but a
    /// leading '-', no leading zeros, no spaces, not "-0"), which Redis stores as an integer.
    /// </summary>
    public static bool TryParseInteger(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 20) return false;
        if (s.Length == 1 && s[0] == (byte)'0') return true;
        var negative = s[0] == (byte)'-';
        var digits = negative ? s[1..] : s;
        if (digits.IsEmpty || digits[0] is < (byte)'1' or > (byte)'9') return false;
        ulong v = 0;
        foreach (var c in digits)
        {
            if (c is < (byte)'0' or > (byte)'9') return false;
            var d = (ulong)(c - '0');
            if (v > (ulong.MaxValue - d) / 10) return false;
            v = v * 10 + d;
        }
        if (negative)
        {
            if (v > (ulong)long.MaxValue + 1) return false;
            value = unchecked(-(long)v);
        }
        else
        {
            if (v > long.MaxValue) return false;
            value = (long)v;
        }
        return true;
    }

    /// <summary>Writes one entry (encoding, data, back-length) and returns its size.</summary>
    private static int Append(Span<byte> span, byte[] element)
    {
        int entry;
        if (TryParseInteger(element, out var v))
        {
            entry = IntegerSize(v);
            WriteInteger(span, v);
        }
        else
        {
            var header = StringHeaderSize(element.Length);
            entry = header + element.Length;
            var len = element.Length;
            switch (header)
            {
                case 1: span[0] = (byte)(0x80 | len); break;
                case 2: span[0] = (byte)(0xE0 | (len >> 8)); span[1] = (byte)len; break;
                default: span[0] = 0xF0; BinaryPrimitives.WriteUInt32LittleEndian(span[1..], (uint)len); break;
            }
            element.CopyTo(span[header..]);
        }
        var backlen = BacklenSize(entry);
        WriteBacklen(span.Slice(entry, backlen), (ulong)entry, backlen);
        return entry + backlen;
    }

    private static int StringHeaderSize(int length) => length < 64 ? 1 : length < 4096 ? 2 : 5;

    private static int IntegerSize(long v) => v switch
    {
        >= 0 and <= 127 => 1,
        >= -4096 and <= 4095 => 2,
        >= short.MinValue and <= short.MaxValue => 3,
        >= -8388608 and <= 8388607 => 4,
        >= int.MinValue and <= int.MaxValue => 5,
        _ => 9,
    };

    private static void WriteInteger(Span<byte> span, long v)
    {
        switch (IntegerSize(v))
        {
            case 1:
                span[0] = (byte)v;
                break;
            case 2:
                var u13 = (ulong)(v < 0 ? (1L << 13) + v : v);
                span[0] = (byte)(0xC0 | (u13 >> 8));
                span[1] = (byte)u13;
                break;
            case 3:
                span[0] = 0xF1;
                BinaryPrimitives.WriteInt16LittleEndian(span[1..], (short)v);
                break;
            case 4:
                var u24 = (uint)(v < 0 ? (1L << 24) + v : v);
                span[0] = 0xF2;
                span[1] = (byte)u24;
                span[2] = (byte)(u24 >> 8);
                span[3] = (byte)(u24 >> 16);
                break;
            case 5:
                span[0] = 0xF3;
                BinaryPrimitives.WriteInt32LittleEndian(span[1..], (int)v);
                break;
            default:
                span[0] = 0xF4;
                BinaryPrimitives.WriteInt64LittleEndian(span[1..], v);
                break;
        }
    }

    private static int BacklenSize(long entry) => entry switch
    {
        <= 127 => 1,
        < 16383 => 2,
        < 2097151 => 3,
        < 268435455 => 4,
        _ => 5,
    };

    /// <summary>The entry length, big end first, 7 bits per byte, every byte but the first flagged with 0x80.</summary>
    private static void WriteBacklen(Span<byte> span, ulong length, int size)
    {
        for (var i = size - 1; i >= 0; i--)
        {
            span[i] = (byte)((length & 127) | (i == 0 ? 0u : 128u));
            length >>= 7;
        }
    }
}
