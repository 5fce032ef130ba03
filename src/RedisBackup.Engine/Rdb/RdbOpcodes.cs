namespace RedisBackup.Engine.Rdb;

/// <summary>RDB opcode bytes (Redis and Valkey rdb.h). Two bytes mean different things per family: see <see cref="RdbFormatCatalog"/>.</summary>
internal static class RdbOpcodes
{
    /// <summary>Redis 8.10 (RDB 15): HASH_TEMPLATE, one hash template. Valkey 9.2 (RDB 81): UPDATE, an inline replication command.</summary>
    public const byte HashTemplateOrUpdate = 0xF2;

    /// <summary>Redis 8.6 (RDB 13): KEY_META, a key's metadata before its type byte. Valkey 9.0 (RDB 80): SLOT_IMPORT.</summary>
    public const byte KeyMetaOrSlotImport = 0xF3;

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
