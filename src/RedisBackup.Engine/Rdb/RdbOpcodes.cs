namespace RedisBackup.Engine.Rdb;

/// <summary>RDB opcode bytes (Redis rdb.h).</summary>
internal static class RdbOpcodes
{
    public const byte SlotImport = 0xF3;
    public const byte SlotInfo = 0xF4;
    public const byte Function2 = 0xF5;
    public const byte FunctionPreGa = 0xF6;
    public const byte ModuleAux = 0xF7;
    public const byte Idle = 0xF8;
    public const byte Freq = 0xF9;
    public const byte Aux = 0xFA;
    public const byte ResizeDb = 0xFB;
    public const byte ExpireTimeMs = 0xFC;
    public const byte ExpireTime = 0xFD;
    public const byte SelectDb = 0xFE;
    public const byte Eof = 0xFF;

    /// <summary>The checksum trailer is present from format version 5 on.</summary>
    public const int FirstVersionWithChecksum = 5;
}
