using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace RedisBackup.Engine.Rdb;

/// <summary>
/// The entries of a listpack as byte strings (integers as their decimal text, as Redis returns them). For a listpack that
/// <see cref="RdbEncodingValidator.Listpack"/> accepts; a malformed one throws <see cref="RdbFormatException"/>.
/// </summary>
internal static class ListpackEntries
{
    private const int Header = 6;

    public static List<byte[]> Read(ReadOnlySpan<byte> lp, long offset, string what)
    {
        RdbEncodingValidator.Listpack(lp, offset, what, UniqueEntries.None);
        var entries = new List<byte[]>();
        var p = Header;
        while (lp[p] != 0xFF)
        {
            var enc = lp[p];
            long entryLen;
            if (enc < 0x80) { entries.Add(Text(enc)); entryLen = 1; }
            else if ((enc & 0xC0) == 0x80) { entryLen = 1 + (enc & 0x3F); entries.Add(lp.Slice(p + 1, enc & 0x3F).ToArray()); }
            else if ((enc & 0xE0) == 0xC0)
            {
                var v = ((enc & 0x1F) << 8) | lp[p + 1];
                entries.Add(Text(v >= 1 << 12 ? v - (1 << 13) : v));
                entryLen = 2;
            }
            else if ((enc & 0xF0) == 0xE0)
            {
                var len = ((enc & 0x0F) << 8) | lp[p + 1];
                entries.Add(lp.Slice(p + 2, len).ToArray());
                entryLen = 2 + len;
            }
            else
            {
                (entryLen, var value) = enc switch
                {
                    0xF0 => (5L + BinaryPrimitives.ReadUInt32LittleEndian(lp.Slice(p + 1, 4)), (byte[]?)null),
                    0xF1 => (3L, Text(BinaryPrimitives.ReadInt16LittleEndian(lp.Slice(p + 1, 2)))),
                    0xF2 => (4L, Text((lp[p + 1] | (lp[p + 2] << 8) | (lp[p + 3] << 16)) << 8 >> 8)),
                    0xF3 => (5L, Text(BinaryPrimitives.ReadInt32LittleEndian(lp.Slice(p + 1, 4)))),
                    _ => (9L, Text(BinaryPrimitives.ReadInt64LittleEndian(lp.Slice(p + 1, 8)))),
                };
                entries.Add(value ?? lp.Slice(p + 5, (int)(entryLen - 5)).ToArray());
            }
            p += (int)entryLen + BacklenSize(entryLen);
        }
        return entries;
    }

    private static byte[] Text(long value) => Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    private static int BacklenSize(long entryLen) => entryLen switch
    {
        <= 127 => 1,
        < 16383 => 2,
        < 2097151 => 3,
        < 268435455 => 4,
        _ => 5,
    };
}
