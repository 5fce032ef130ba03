using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RedisBackup.Engine.Rdb;

/// <summary>CRC-64/Jones as Redis computes it (reflected, init 0, no final XOR). Check value for "123456789": 0xE9C6D914C4B8D9CA.</summary>
/// <remarks>
/// Two implementations with identical results: carry-less multiplication (PCLMULQDQ) folding 16 bytes per step where the
/// CPU has it, and slicing-by-8 tables everywhere else and for the last few bytes. The folding constants are derived
/// from the polynomial at startup rather than copied.
/// </remarks>
internal static class Crc64
{
    /// <summary>The Jones polynomial without its x^64 term, normal (non-reflected) bit order.</summary>
    private const ulong Polynomial = 0xAD93D23594C935A9UL;

    /// <summary>The same polynomial bit-reflected, as the table algorithm uses it.</summary>
    private const ulong ReflectedPolynomial = 0x95AC9329AC4BC9B5UL;

    /// <summary>Below this many bytes the table loop is faster than setting up the folding.</summary>
    private const int FoldingThreshold = 64;

    /// <summary>Table k at [k * 256 .. k * 256 + 255].</summary>
    private static readonly ulong[] Table = BuildTable();

    /// <summary>Reflected x^191 mod P and x^127 mod P: multiplying the two halves of a 128-bit block by these moves it 128 bits on.</summary>
    private static readonly ulong FoldHigh = ReflectedPowerModP(191);
    private static readonly ulong FoldLow = ReflectedPowerModP(127);

    /// <summary>Continues a CRC over <paramref name="data"/>; start with 0.</summary>
    public static ulong Update(ulong crc, ReadOnlySpan<byte> data)
        => Pclmulqdq.IsSupported && data.Length >= FoldingThreshold ? UpdateFolding(crc, data) : UpdateTable(crc, data);

    /// <summary>The slicing-by-8 implementation on its own (tests compare the two).</summary>
    internal static ulong UpdateTable(ulong crc, ReadOnlySpan<byte> data)
    {
        ref var t = ref MemoryMarshal.GetArrayDataReference(Table);
        var i = 0;
        var words = data.Length & ~7;
        for (; i < words; i += 8)
            crc = TableStep(ref t, crc ^ BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i, 8)));
        for (; i < data.Length; i++)
            crc = Unsafe.Add(ref t, (int)((crc ^ data[i]) & 0xFF)) ^ (crc >> 8);
        return crc;
    }

    /// <summary>
    /// Folding with carry-less multiplication. The register holds a 128-bit polynomial congruent (mod P) to the message
    /// so far, in reflected order (bit j of the register is the coefficient of x^(127-j)).
    /// </summary>
    private static ulong UpdateFolding(ulong crc, ReadOnlySpan<byte> data)
    {
        var blocks = data.Length / 16;
        ref var start = ref MemoryMarshal.GetReference(data);
        var constants = Vector128.Create(FoldHigh, FoldLow);
        var x = Vector128.LoadUnsafe(ref start).AsUInt64() ^ Vector128.Create(crc, 0UL);
        for (var b = 1; b < blocks; b++)
        {
            var next = Vector128.LoadUnsafe(ref Unsafe.Add(ref start, b * 16)).AsUInt64();
            x = Pclmulqdq.CarrylessMultiply(x, constants, 0x00) ^ Pclmulqdq.CarrylessMultiply(x, constants, 0x11) ^ next;
        }

        // CRC = (register · x^64) mod P = (high half · x^128 + low half · x^64) mod P: fold the high half once more,
        // then the remaining 128 bits are one 8-byte table step plus the low 64 bits.
        var h = Pclmulqdq.CarrylessMultiply(x, Vector128.Create(FoldLow, 0UL), 0x00);
        crc = TableStep(ref MemoryMarshal.GetArrayDataReference(Table), h.GetElement(0) ^ x.GetElement(1)) ^ h.GetElement(1);
        return UpdateTable(crc, data[(blocks * 16)..]);
    }

    /// <summary>(word · x^64) mod P for a reflected 64-bit word: one slicing-by-8 step from a zero register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong TableStep(ref ulong t, ulong w)
        => Unsafe.Add(ref t, (7 * 256) + (int)(w & 0xFF))
           ^ Unsafe.Add(ref t, (6 * 256) + (int)((w >> 8) & 0xFF))
           ^ Unsafe.Add(ref t, (5 * 256) + (int)((w >> 16) & 0xFF))
           ^ Unsafe.Add(ref t, (4 * 256) + (int)((w >> 24) & 0xFF))
           ^ Unsafe.Add(ref t, (3 * 256) + (int)((w >> 32) & 0xFF))
           ^ Unsafe.Add(ref t, (2 * 256) + (int)((w >> 40) & 0xFF))
           ^ Unsafe.Add(ref t, 256 + (int)((w >> 48) & 0xFF))
           ^ Unsafe.Add(ref t, (int)(w >> 56));

    /// <summary>x^n mod P, bit-reflected (bit i is the coefficient of x^(63-i)).</summary>
    internal static ulong ReflectedPowerModP(int n)
    {
        ulong r = 1;
        for (var i = 0; i < n; i++)
        {
            var carry = r >> 63;
            r <<= 1;
            if (carry != 0) r ^= Polynomial;
        }
        return Reverse(r);
    }

    internal static ulong Reverse(ulong v)
    {
        ulong r = 0;
        for (var i = 0; i < 64; i++)
        {
            r = (r << 1) | (v & 1);
            v >>= 1;
        }
        return r;
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
