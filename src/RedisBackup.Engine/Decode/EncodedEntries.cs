using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Decode;

/// <summary>
/// The entries of the compact encodings stored inside RDB strings, as byte strings (integers as their decimal text, as
/// Redis returns them): ziplist, listpack, intset and zipmap. Each blob is checked first with
/// <see cref="RdbEncodingValidator"/> (the checks redis-check-rdb makes), so a malformed one is refused, never misread.
/// </summary>
internal static class EncodedEntries
{
    private const int ZiplistHeader = 10;

    public static List<byte[]> Listpack(ReadOnlySpan<byte> blob, long offset, string what) => ListpackEntries.Read(blob, offset, what);

    public static List<byte[]> Ziplist(ReadOnlySpan<byte> zl, long offset, string what)
    {
        RdbEncodingValidator.Ziplist(zl, offset, what, UniqueEntries.None);
        var entries = new List<byte[]>();
        var p = ZiplistHeader;
        while (zl[p] != 0xFF)
        {
            p += zl[p] < 254 ? 1 : 5; // prevlen
            var enc = zl[p];
            switch (enc >> 6)
            {
                case 0:
                    entries.Add(zl.Slice(p + 1, enc & 0x3F).ToArray());
                    p += 1 + (enc & 0x3F);
                    break;
                case 1:
                {
                    var len = ((enc & 0x3F) << 8) | zl[p + 1];
                    entries.Add(zl.Slice(p + 2, len).ToArray());
                    p += 2 + len;
                    break;
                }
                case 2:
                {
                    var len = (int)BinaryPrimitives.ReadUInt32BigEndian(zl.Slice(p + 1, 4));
                    entries.Add(zl.Slice(p + 5, len).ToArray());
                    p += 5 + len;
                    break;
                }
                default:
                {
                    var data = zl[(p + 1)..];
                    (long value, int size) = enc switch
                    {
                        0xC0 => ((long)BinaryPrimitives.ReadInt16LittleEndian(data), 2),
                        0xD0 => (BinaryPrimitives.ReadInt32LittleEndian(data), 4),
                        0xE0 => (BinaryPrimitives.ReadInt64LittleEndian(data), 8),
                        0xF0 => ((data[0] | (data[1] << 8) | (data[2] << 16)) << 8 >> 8, 3),
                        0xFE => ((sbyte)data[0], 1),
                        _ => ((enc & 0x0F) - 1, 0),
                    };
                    entries.Add(Text(value));
                    p += 1 + size;
                    break;
                }
            }
        }
        return entries;
    }

    public static List<byte[]> Intset(ReadOnlySpan<byte> set, long offset, string what)
    {
        var count = RdbEncodingValidator.Intset(set, offset, what);
        var width = (int)BinaryPrimitives.ReadUInt32LittleEndian(set);
        var entries = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            var at = set.Slice(8 + (i * width), width);
            long value = width switch
            {
                2 => BinaryPrimitives.ReadInt16LittleEndian(at),
                4 => BinaryPrimitives.ReadInt32LittleEndian(at),
                _ => BinaryPrimitives.ReadInt64LittleEndian(at),
            };
            entries.Add(Text(value));
        }
        return entries;
    }

    /// <summary>A zipmap's field, value pairs, flat.</summary>
    public static List<byte[]> Zipmap(ReadOnlySpan<byte> zm, long offset, string what)
    {
        RdbEncodingValidator.Zipmap(zm, offset, what);
        var entries = new List<byte[]>();
        var p = 1;
        while (zm[p] != 0xFF)
        {
            var field = Length(zm, ref p);
            entries.Add(zm.Slice(p, field).ToArray());
            p += field;
            var value = Length(zm, ref p);
            int free = zm[p++];
            entries.Add(zm.Slice(p, value).ToArray());
            p += value + free;
        }
        return entries;
    }

    /// <summary>An entry's integer value (listpack entries of streams are integers, returned as text).</summary>
    public static long Integer(byte[] entry, long offset, string what)
        => long.TryParse(entry, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new RdbFormatException($"{char.ToUpperInvariant(what[0])}{what[1..]} is not an integer ('{Encoding.Latin1.GetString(entry)}')", offset);

    public static byte[] Text(long value) => Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    private static int Length(ReadOnlySpan<byte> zm, ref int p)
    {
        if (zm[p] < 254) return zm[p++];
        var len = (int)BinaryPrimitives.ReadUInt32LittleEndian(zm.Slice(p + 1, 4));
        p += 5;
        return len;
    }
}
