namespace RedisBackup.Engine.Model;

/// <summary>What one database of a backup holds.</summary>
public sealed record DatabaseContent
{
    public int Database { get; init; }
    public long Keys { get; init; }
    public long KeysWithTtl { get; init; }

    /// <summary>Keys per type: string, hash, list, set, zset, stream, or a module's type name.</summary>
    public IReadOnlyDictionary<string, long> Types { get; init; } = new Dictionary<string, long>();
}

/// <summary>One of the biggest keys of a backup.</summary>
public sealed record KeySize
{
    public int Database { get; init; }

    /// <summary>The key as text when it is valid UTF-8, else "base64:…".</summary>
    public required string Key { get; init; }
    public required string Type { get; init; }

    /// <summary>
    /// The value's size as the backup stores it: in an RDB file and a DUMP record, the serialized value (a DUMP payload
    /// of it is 11 bytes more); in a logical record, the bytes of its strings, fields, members and scores.
    /// </summary>
    public long Bytes { get; init; }
    public bool HasTtl { get; init; }
}

/// <summary>What a backup holds, read without restoring it (redis-backup inspect, Get-RedisBackupContent).</summary>
public sealed record BackupContent
{
    public required string Name { get; init; }
    public required string Path { get; init; }
    public BackupFormat Format { get; init; }

    /// <summary>Key-level backups: every key stored as its DUMP payload.</summary>
    public bool Exact { get; init; }

    /// <summary>The server version that wrote it (Valkey's own version for Valkey), when the file says.</summary>
    public string? ServerVersion { get; init; }

    /// <summary>"Redis" or "Valkey" when the file says which (an RDB's AUX fields or magic); null when it does not.</summary>
    public string? ServerName { get; init; }

    /// <summary>RDB files: "REDIS" or "VALKEY" and the format version.</summary>
    public string? RdbMagic { get; init; }
    public int? RdbVersion { get; init; }

    /// <summary>When the data was taken (the RDB's ctime, or the key-level header's time).</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    public long Keys { get; init; }
    public long KeysWithTtl { get; init; }
    public long Bytes { get; init; }
    public IReadOnlyList<DatabaseContent> Databases { get; init; } = [];

    /// <summary>The biggest keys by <see cref="KeySize.Bytes"/>, biggest first.</summary>
    public IReadOnlyList<KeySize> BiggestKeys { get; init; } = [];

    /// <summary>Function libraries (RDB files of Redis 7.0+): their names, from each library's first line.</summary>
    public IReadOnlyList<string> Functions { get; init; } = [];

    /// <summary>Module value types and how many keys hold each.</summary>
    public IReadOnlyDictionary<string, long> ModuleTypes { get; init; } = new Dictionary<string, long>();

    /// <summary>RDB files: module auxiliary data records (a module's data outside keys).</summary>
    public long ModuleAuxRecords { get; init; }

    /// <summary>Keys with Redis 8.6 key metadata; inline replication commands (Valkey 9.2).</summary>
    public long KeysWithMetadata { get; init; }
    public long InlineCommands { get; init; }

    /// <summary>Hash fields with their own TTL (logical backups of Redis 7.4+ / Valkey 9; RDB files and exact backups do not count them).</summary>
    public long FieldTtls { get; init; }

    /// <summary>Null when the whole file was read; otherwise where and why the reading stopped (a newer server's file).</summary>
    public string? Note { get; init; }
}
