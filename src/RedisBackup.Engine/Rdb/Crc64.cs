namespace RedisBackup.Engine.Rdb;

/// <summary>CRC-64/Jones as Redis computes it (reflected, init 0, no final XOR). Check value for "123456789": 0xE9C6D914C4B8D9CA.</summary>
public static class Crc64
{
    public static ulong Update(ulong crc, ReadOnlySpan<byte> data) => throw new NotImplementedException();
}
