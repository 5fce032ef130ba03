using System.Collections.ObjectModel;
using System.Globalization;
using EngineModel = RedisBackup.Engine.Model;

namespace RedisBackup.PowerShell;

/// <summary>What one database of a backup holds (read-only).</summary>
public sealed class DatabaseContent
{
    private DatabaseContent(EngineModel.DatabaseContent source)
    {
        Database = source.Database;
        Keys = source.Keys;
        KeysWithTtl = source.KeysWithTtl;
        Types = new ReadOnlyDictionary<string, long>(new Dictionary<string, long>(source.Types, StringComparer.Ordinal));
    }

    public int Database { get; }
    public long Keys { get; }
    public long KeysWithTtl { get; }

    /// <summary>Keys per type: string, hash, list, set, zset, stream, or a module's type name.</summary>
    public ReadOnlyDictionary<string, long> Types { get; }

    /// <summary>"db 0: 12 keys (hash 3, string 9)".</summary>
    public override string ToString()
        => $"db {Database.ToString(CultureInfo.InvariantCulture)}: {Keys.ToString(CultureInfo.InvariantCulture)} keys ("
           + string.Join(", ", Types.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key} {t.Value.ToString(CultureInfo.InvariantCulture)}")) + ")";

    internal static DatabaseContent From(EngineModel.DatabaseContent source) => new(source ?? throw new ArgumentNullException(nameof(source)));
}

/// <summary>One of the biggest keys of a backup (read-only).</summary>
public sealed class KeySize
{
    private KeySize(EngineModel.KeySize source)
    {
        Database = source.Database;
        Key = source.Key;
        Type = source.Type;
        Bytes = source.Bytes;
        HasTtl = source.HasTtl;
    }

    public int Database { get; }

    /// <summary>The key as text when it is valid UTF-8, else "base64:…".</summary>
    public string Key { get; }
    public string Type { get; }

    /// <summary>The value's size as the backup stores it (serialized in an RDB file or DUMP record; the bytes of its parts in a logical record).</summary>
    public long Bytes { get; }
    public bool HasTtl { get; }

    public override string ToString() => $"db {Database.ToString(CultureInfo.InvariantCulture)} '{Key}' ({Type}, {BackupRecord.Size(Bytes)})";

    internal static KeySize From(EngineModel.KeySize source) => new(source ?? throw new ArgumentNullException(nameof(source)));
}

/// <summary>What a backup holds, read without restoring it (read-only): keys per database and type, the biggest keys, functions, module types, the server that wrote it.</summary>
public sealed class BackupContent
{
    private BackupContent(EngineModel.BackupContent source)
    {
        Name = source.Name;
        Path = source.Path;
        Format = source.Format;
        Exact = source.Exact;
        ServerVersion = source.ServerVersion;
        ServerName = source.ServerName;
        RdbMagic = source.RdbMagic;
        RdbVersion = source.RdbVersion;
        CreatedAt = source.CreatedAt;
        Keys = source.Keys;
        KeysWithTtl = source.KeysWithTtl;
        Bytes = source.Bytes;
        Databases = new ReadOnlyCollection<DatabaseContent>(source.Databases.Select(DatabaseContent.From).ToList());
        BiggestKeys = new ReadOnlyCollection<KeySize>(source.BiggestKeys.Select(KeySize.From).ToList());
        Functions = new ReadOnlyCollection<string>(source.Functions.ToList());
        ModuleTypes = new ReadOnlyDictionary<string, long>(new Dictionary<string, long>(source.ModuleTypes, StringComparer.Ordinal));
        ModuleAuxRecords = source.ModuleAuxRecords;
        KeysWithMetadata = source.KeysWithMetadata;
        InlineCommands = source.InlineCommands;
        FieldTtls = source.FieldTtls;
        Note = source.Note;
    }

    /// <summary>The backup's file name.</summary>
    public string Name { get; }

    /// <summary>The backup's full path.</summary>
    public string Path { get; }

    public EngineModel.BackupFormat Format { get; }

    /// <summary>Key-level backups: every key stored as its DUMP payload.</summary>
    public bool Exact { get; }

    /// <summary>The server version that wrote it (Valkey's own version for Valkey), when the file says.</summary>
    public string? ServerVersion { get; }

    /// <summary>"Redis" or "Valkey" when the file says which.</summary>
    public string? ServerName { get; }

    /// <summary>RDB files: "REDIS" or "VALKEY" and the format version.</summary>
    public string? RdbMagic { get; }
    public int? RdbVersion { get; }

    /// <summary>When the data was taken.</summary>
    public DateTimeOffset? CreatedAt { get; }

    public long Keys { get; }
    public long KeysWithTtl { get; }

    /// <summary>The file's size in bytes.</summary>
    public long Bytes { get; }

    public ReadOnlyCollection<DatabaseContent> Databases { get; }

    /// <summary>The biggest keys (-Top), biggest first.</summary>
    public ReadOnlyCollection<KeySize> BiggestKeys { get; }

    /// <summary>Function libraries (RDB files of Redis 7.0+), by name.</summary>
    public ReadOnlyCollection<string> Functions { get; }

    /// <summary>Module value types and how many keys hold each.</summary>
    public ReadOnlyDictionary<string, long> ModuleTypes { get; }

    /// <summary>RDB files: module auxiliary data records (a module's data outside keys).</summary>
    public long ModuleAuxRecords { get; }

    /// <summary>Keys with Redis 8.6 key metadata.</summary>
    public long KeysWithMetadata { get; }

    /// <summary>Inline replication commands (Valkey 9.2).</summary>
    public long InlineCommands { get; }

    /// <summary>Hash fields with their own TTL (logical backups).</summary>
    public long FieldTtls { get; }

    /// <summary>Null when the whole file was read; otherwise where and why the reading stopped (a newer server's file).</summary>
    public string? Note { get; }

    /// <summary>The full path, as a backup's string form is.</summary>
    public override string ToString() => Path;

    internal static BackupContent From(EngineModel.BackupContent source) => new(source ?? throw new ArgumentNullException(nameof(source)));
}
