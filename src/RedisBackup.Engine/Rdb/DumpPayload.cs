namespace RedisBackup.Engine.Rdb;

/// <summary>DUMP/RESTORE payloads: type byte + rdbSaveObject bytes + RDB version (u16 LE) + CRC64 (u64 LE).</summary>
public static class DumpPayload
{
    public static byte[] Create(byte type, ReadOnlySpan<byte> value, ushort rdbVersion) => throw new NotImplementedException();

    /// <summary>The RDB version stamped in a payload's footer.</summary>
    public static ushort VersionOf(ReadOnlySpan<byte> payload) => throw new NotImplementedException();
}
