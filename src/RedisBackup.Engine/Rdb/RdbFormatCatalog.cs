namespace RedisBackup.Engine.Rdb;

/// <summary>Which server family wrote a file: the magic decides ("REDIS" or "VALKEY").</summary>
internal enum RdbFamily
{
    Redis,
    Valkey,
}

/// <summary>One value type or opcode byte as this reader knows it.</summary>
/// <param name="Code">The byte.</param>
/// <param name="Name">The name in the server's rdb.h (RDB_TYPE_… / RDB_OPCODE_… without the prefix).</param>
/// <param name="Logical">For value types: the data type it holds ("string", "hash", …); null for opcodes.</param>
/// <param name="Since">The first RDB format version that writes it (informative for legacy types).</param>
/// <param name="Walkable">False when the byte is known by name but its layout is not, so a walk cannot pass it.</param>
internal sealed record RdbFormatItem(byte Code, string Name, string? Logical, int Since, bool Walkable = true);

/// <summary>
/// Every value type and opcode byte of Redis (up to RDB 15) and Valkey (up to VALKEY081), per family, with the RDB
/// version that introduced it. The single place the reader asks "do I know this byte here?". Where a byte means different
/// things in the two families (types 22 and 23, opcodes 242 and 243), the magic decides. docs/rdb-format.md names the
/// source each layout was read from.
/// </summary>
internal static class RdbFormatCatalog
{
    /// <summary>The newest Redis RDB format version this reader knows (Redis 8.10).</summary>
    public const int MaxRedisVersion = 15;

    /// <summary>Valkey 9.0 writes VALKEY080, the 9.2 line VALKEY081.</summary>
    public const int MinValkeyVersion = 80;
    public const int MaxValkeyVersion = 81;

    private static readonly RdbFormatItem[] RedisTypes =
    [
        new(0, "STRING", "string", 1), new(1, "LIST", "list", 1), new(2, "SET", "set", 1), new(3, "ZSET", "zset", 1),
        new(4, "HASH", "hash", 1), new(5, "ZSET_2", "zset", 8), new(6, "MODULE_PRE_GA", "module", 8), new(7, "MODULE_2", "module", 8),
        new(9, "HASH_ZIPMAP", "hash", 2), new(10, "LIST_ZIPLIST", "list", 2), new(11, "SET_INTSET", "set", 2),
        new(12, "ZSET_ZIPLIST", "zset", 2), new(13, "HASH_ZIPLIST", "hash", 4), new(14, "LIST_QUICKLIST", "list", 7),
        new(15, "STREAM_LISTPACKS", "stream", 9), new(16, "HASH_LISTPACK", "hash", 10), new(17, "ZSET_LISTPACK", "zset", 10),
        new(18, "LIST_QUICKLIST_2", "list", 10), new(19, "STREAM_LISTPACKS_2", "stream", 10), new(20, "SET_LISTPACK", "set", 11),
        new(21, "STREAM_LISTPACKS_3", "stream", 11), new(22, "HASH_METADATA_PRE_GA", "hash", 12),
        new(23, "HASH_LISTPACK_EX_PRE_GA", "hash", 12), new(24, "HASH_METADATA", "hash", 12), new(25, "HASH_LISTPACK_EX", "hash", 12),
        new(26, "STREAM_LISTPACKS_4", "stream", 13), new(27, "STREAM_LISTPACKS_5", "stream", 14), new(28, "ARRAY", "array", 14),
        new(29, "HASH_TMPL_LP", "hash", 15), new(30, "HASH_TMPL_LP_REF", "hash", 15), new(31, "HASH_TMPL_ARRAY", "hash", 15),
        new(32, "HASH_TMPL_ARRAY_REF", "hash", 15),
        // Compiled in only with ENABLE_GCRA; its layout is not in the sources this reader was written from.
        new(33, "GCRA", "gcra", 14, Walkable: false),
    ];

    private static readonly RdbFormatItem[] ValkeyTypes =
    [
        .. RedisTypes.Where(t => t.Code <= 21),
        new(22, "HASH_2", "hash", 80),
        // Valkey 9.2 (unstable): named in rdb.h, but its layout was not in the sources this reader was written from.
        new(23, "PATH_HASH", "hash", 81, Walkable: false),
    ];

    private static readonly RdbFormatItem[] SharedOpcodes =
    [
        new(RdbOpcodes.SlotInfo, "SLOT_INFO", null, 12), new(RdbOpcodes.Function2, "FUNCTION2", null, 10),
        new(RdbOpcodes.FunctionPreGa, "FUNCTION_PRE_GA", null, 10), new(RdbOpcodes.ModuleAux, "MODULE_AUX", null, 8),
        new(RdbOpcodes.Idle, "IDLE", null, 9), new(RdbOpcodes.Freq, "FREQ", null, 9), new(RdbOpcodes.Aux, "AUX", null, 7),
        new(RdbOpcodes.ResizeDb, "RESIZEDB", null, 7), new(RdbOpcodes.ExpireTimeMs, "EXPIRETIME_MS", null, 3),
        new(RdbOpcodes.ExpireTime, "EXPIRETIME", null, 1), new(RdbOpcodes.SelectDb, "SELECTDB", null, 1), new(RdbOpcodes.Eof, "EOF", null, 1),
    ];

    private static readonly RdbFormatItem[] RedisOpcodes =
    [
        .. SharedOpcodes,
        new(RdbOpcodes.KeyMetaOrSlotImport, "KEY_META", null, 13),
        new(RdbOpcodes.HashTemplateOrUpdate, "HASH_TEMPLATE", null, 15),
    ];

    private static readonly RdbFormatItem[] ValkeyOpcodes =
    [
        .. SharedOpcodes,
        new(RdbOpcodes.KeyMetaOrSlotImport, "SLOT_IMPORT", null, 80),
        new(RdbOpcodes.HashTemplateOrUpdate, "UPDATE", null, 81),
    ];

    /// <summary>Every item of a family, value types first.</summary>
    public static IReadOnlyList<RdbFormatItem> Items(RdbFamily family)
        => family == RdbFamily.Valkey ? [.. ValkeyTypes, .. ValkeyOpcodes] : [.. RedisTypes, .. RedisOpcodes];

    /// <summary>The value type <paramref name="code"/> of <paramref name="family"/>, or null when this reader does not know it.</summary>
    public static RdbFormatItem? ValueType(RdbFamily family, byte code)
        => Known(Find(family == RdbFamily.Valkey ? ValkeyTypes : RedisTypes, code), family);

    /// <summary>The opcode <paramref name="code"/> of <paramref name="family"/>, or null when this reader does not know it.</summary>
    public static RdbFormatItem? Opcode(RdbFamily family, byte code)
        => Known(Find(family == RdbFamily.Valkey ? ValkeyOpcodes : RedisOpcodes, code), family);

    /// <summary>
    /// Every byte of <paramref name="family"/> this reader knows right now, indexed by the byte (value types below 0x80,
    /// opcodes above): a table a reader builds once per file, so a record costs one array lookup.
    /// </summary>
    public static RdbFormatItem?[] Table(RdbFamily family)
    {
        var table = new RdbFormatItem?[256];
        foreach (var item in Items(family))
            if (Known(item, family) is { } known) table[known.Code] = known;
        return table;
    }

    /// <summary>The data type a value type byte holds ("hash", "stream", …), or "unknown".</summary>
    public static string LogicalType(RdbFamily family, byte code) => ValueType(family, code)?.Logical ?? "unknown";

    /// <summary>The family a magic names.</summary>
    public static RdbFamily FamilyOf(string magic) => magic == "VALKEY" ? RdbFamily.Valkey : RdbFamily.Redis;

    /// <summary>The newest format version of <paramref name="family"/> this reader knows (lower while a test simulates an older reader).</summary>
    public static int MaxKnownVersion(RdbFamily family)
    {
        var max = family == RdbFamily.Valkey ? MaxValkeyVersion : MaxRedisVersion;
        return SimulatedLimit.Value is { } limit ? Math.Min(max, family == RdbFamily.Valkey ? limit.Valkey : limit.Redis) : max;
    }

    /// <summary>Printable name of a byte where a type or an opcode was expected: "type 40", "opcode 241 (0xF1)".</summary>
    public static string DescribeByte(byte code) => code < 0x80 ? $"type {code}" : $"opcode {code} (0x{code:X2})";

    private static RdbFormatItem? Find(RdbFormatItem[] items, byte code)
    {
        foreach (var item in items)
            if (item.Code == code) return item;
        return null;
    }

    private static RdbFormatItem? Known(RdbFormatItem? item, RdbFamily family)
        => item is not null && item.Since <= MaxKnownVersion(family) ? item : null;

    /// <summary>
    /// Tests only: makes this reader behave, for the current async flow, as a release of RedisBackup that knows formats up
    /// to the given versions (a reader older than the server that wrote a file). Dispose to restore.
    /// </summary>
    internal static IDisposable SimulateOlderReader(int redisVersion, int valkeyVersion)
    {
        var previous = SimulatedLimit.Value;
        SimulatedLimit.Value = (redisVersion, valkeyVersion);
        return new Restore(previous);
    }

    private static readonly AsyncLocal<(int Redis, int Valkey)?> SimulatedLimit = new();

    private sealed class Restore((int Redis, int Valkey)? previous) : IDisposable
    {
        public void Dispose() => SimulatedLimit.Value = previous;
    }
}
