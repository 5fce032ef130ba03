using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Formats;

/// <summary>
/// One record of a key-level backup in memory: a whole key, or one chunk of a big key.
/// The exporter fills it from the server; the file readers fill it from JSON; the restorer writes it.
/// </summary>
internal sealed class KeyRecord
{
    /// <summary>Elements per chunk record of a big collection (a hash: fields), as the export and the seed reader split them.</summary>
    public const int ChunkElements = 2000;

    public int Database { get; set; }

    public byte[] Key { get; set; } = [];

    /// <summary>Redis type name: string, hash, list, set, zset, stream, or a module type name.</summary>
    public string Type
    {
        get => _type;
        set
        {
            _type = value;
            Kind = RedisKeyTypes.Parse(value);
        }
    }

    private string _type = "";

    /// <summary>What <see cref="Type"/> denotes, for decisions (<see cref="RedisKeyType.Other"/> for a module type).</summary>
    public RedisKeyType Kind { get; private set; } = RedisKeyType.Other;

    /// <summary>A DUMP payload (stream, module types, every key in exact mode); null when <see cref="Items"/> holds the value.</summary>
    public byte[]? Dump { get; set; }

    /// <summary>
    /// The value as flat items: string → [value]; list and set → elements; hash → field, value, field, value…;
    /// zset → member, score, member, score… (scores in Redis's text form).
    /// </summary>
    public List<byte[]> Items { get; } = [];

    /// <summary>
    /// Hash records only: each field's absolute expiry in Unix milliseconds (the source server's clock, from
    /// HPEXPIRETIME), parallel to the fields of <see cref="Items"/> (entry i belongs to Items[2i]); 0 for a field
    /// without one. Null when no field of this record has an expiry.
    /// </summary>
    public List<long>? FieldExpireAt { get; set; }

    /// <summary>
    /// With <see cref="FieldExpireAt"/>: the source server's clock (Unix ms, TIME) when the field expiries were read,
    /// so FieldExpireAt[i] - FieldsReadAtMs is the time a field had left then (the relative TTL mode).
    /// </summary>
    public long? FieldsReadAtMs { get; set; }

    /// <summary>Restore only: fields taken out of this record because their own expiry had passed.</summary>
    public int ExpiredFields { get; set; }

    /// <summary>Absolute expiry in Unix milliseconds.</summary>
    public long? ExpireAtMs { get; set; }

    /// <summary>Remaining time to live in milliseconds when the key was read.</summary>
    public long? TtlMs { get; set; }

    /// <summary>
    /// Exact backups: this record holds a logical value (<see cref="Items"/>) although the file stores keys as DUMP
    /// payloads, because the key was over the exact limit (written <c>"logical":true</c> on each of its records).
    /// </summary>
    public bool Logical { get; set; }

    /// <summary>0 for a whole key or the first chunk of a big key.</summary>
    public int Chunk { get; set; }

    /// <summary>True when more chunks of the same key follow.</summary>
    public bool More { get; set; }

    /// <summary>RDB replay only: LRU idle time and LFU frequency.</summary>
    public long? IdleSeconds { get; set; }
    public byte? Frequency { get; set; }

    /// <summary>Type stream, written logically: one part of the stream (entries, its state, a group, a consumer, pending entries).</summary>
    public StreamPart? Stream { get; set; }

    /// <summary>
    /// Restore only: set on the first record of a key whose value was decoded from a DUMP payload or an RDB value and is
    /// written with logical commands, because the target cannot take the payload (or it is too big to hold whole).
    /// </summary>
    public bool Replayed { get; set; }

    /// <summary>Restore only: parts of the value the target cannot keep, counted (e.g. a consumer's seen time); the key is named in the warnings.</summary>
    public List<ValueLoss>? Losses { get; set; }

    /// <summary>Restore only: why this key cannot be written at all (e.g. a module value into a server that cannot take its payload); it is counted as failed.</summary>
    public string? Unwritable { get; set; }

    public bool IsFirst => Chunk == 0;
    public bool IsLast => !More;
}

/// <summary>Something of a value a restore could not keep: how many, and what (e.g. "consumer seen times (set by the target to the time of the restore)").</summary>
internal sealed record ValueLoss(long Count, string What);
