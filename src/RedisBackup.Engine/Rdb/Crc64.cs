using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RedisBackup.Engine.Rdb;

/// <summary>CRC-64/Jones as Redis computes it (reflected, init 0, no final XOR). Check value for "123456789": 0xE9C6D914C4B8D9CA.</summary>
/// <remarks>Slicing-by-8: eight 256-entry tables, one 8-byte word per step.</remarks>
public static class Crc64
{
    /// <summary>The Jones polynomial 0xAD93D23594C935A9, bit-reflected.</summary>
    private const ulong ReflectedPolynomial = 0x95AC9329AC4BC9B5UL;

    /// <summary>Table k at [k * 256 .. k * 256 + 255].</summary>
    private static readonly ulong[] Table = BuildTable();

    /// <summary>Continues a CRC over <paramref name="data"/>; start with 0.</summary>
    public static ulong Update(ulong crc, ReadOnlySpan<byte> data)
    {
        ref var t = ref MemoryMarshal.GetArrayDataReference(Table);
        var i = 0;
        var words = data.Length & ~7;
        for (; i < words; i += 8)
        {
            crc ^= BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i, 8));
            crc = Unsafe.Add(ref t, (7 * 256) + (int)(crc & 0xFF))
                ^ Unsafe.Add(ref t, (6 * 256) + (int)((crc >> 8) & 0xFF))
                ^ Unsafe.Add(ref t, (5 * 256) + (int)((crc >> 16) & 0xFF))
                ^ Unsafe.Add(ref t, (4 * 256) + (int)((crc >> 24) & 0xFF))
                ^ Unsafe.Add(ref t, (3 * 256) + (int)((crc >> 32) & 0xFF))
                ^ Unsafe.Add(ref t, (2 * 256) + (int)((crc >> 40) & 0xFF))
                ^ Unsafe.Add(ref t, 256 + (int)((crc >> 48) & 0xFF))
                ^ Unsafe.Add(ref t, (int)(crc >> 56));
        }
        for (; i < data.Length; i++)
            crc = Unsafe.Add(ref t, (int)((crc ^ data[i]) & 0xFF)) ^ (crc >> 8);
        return crc;
    }

    private static ulong[] BuildTable()
    {
        var table = new ulong[8 * 256];
        for (var n = 0; n < 256; n++)
        {
            var c = (ulong)n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? (c >> 1) ^ ReflectedPolynomial : c >> 1;
            table[n] = c;
        }
        for (var k = 1; k < 8; k++)
        {
            for (var n = 0; n < 256; n++)
            {
                var prev = table[((k - 1) * 256) + n];
                table[(k * 256) + n] = (prev >> 8) ^ table[(int)(prev & 0xFF)];
            }
        }
        return table;
    }
}
