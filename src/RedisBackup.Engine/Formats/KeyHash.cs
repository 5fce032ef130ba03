namespace RedisBackup.Engine.Formats;

/// <summary>
/// A 128-bit hash of a key name (two independent 64-bit passes: FNV-1a with a final mix, and a multiply-xorshift),
/// for telling keys apart without keeping their names: the export's repeat detection and the scanner's retry set.
/// </summary>
internal static class KeyHash
{
    public static UInt128 Of(ReadOnlySpan<byte> key) => Of(0xcbf29ce484222325UL, 0x84222325cbf29ce4UL, key);

    /// <summary>The hash of a key in a database: the same name in two databases gives two unrelated hashes.</summary>
    public static UInt128 Of(int database, ReadOnlySpan<byte> key)
    {
        var d = (ulong)(uint)database + 1;
        return Of(0xcbf29ce484222325UL ^ (d * 0xff51afd7ed558ccdUL), 0x84222325cbf29ce4UL ^ (d * 0xc4ceb9fe1a85ec53UL), key);
    }

    private static UInt128 Of(ulong a, ulong b, ReadOnlySpan<byte> key)
    {
        b ^= (ulong)key.Length;
        foreach (var x in key)
        {
            a = (a ^ x) * 0x100000001b3UL;
            b = (b + x + 1) * 0x9E3779B97F4A7C15UL;
            b ^= b >> 29;
        }
        a ^= a >> 33; a *= 0xff51afd7ed558ccdUL; a ^= a >> 33;
        return new UInt128(a, b);
    }
}
