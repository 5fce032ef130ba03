using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Decode;

/// <summary>How an <see cref="RdbKeySource"/> turns each key of an RDB file into records.</summary>
internal sealed record RdbKeySourceOptions
{
    /// <summary>
    /// Whether the target takes a RESTORE payload of the file's RDB version and family. Null: never (a conversion, which
    /// writes logical records). Decided from the target's INFO (<c>RdbVersions.Accepts</c>).
    /// </summary>
    public Func<int, RdbFamily, bool>? Accepts { get; init; }

    /// <summary>
    /// A value the target would accept is still decoded and written logically when it is longer than this, so no value is
    /// held whole in memory (module values, which cannot be decoded, are held whole whatever their size).
    /// </summary>
    public long CaptureLimit { get; init; } = DefaultCaptureLimit;

    /// <summary>Which keys to take; the others are skipped without being read.</summary>
    public KeyFilter Filter { get; init; } = new(null, null, null);

    /// <summary>
    /// Conversion: streams, module values, arrays and keys with Redis 8.6 key metadata become DUMP records (payloads
    /// stamped with the file's version, which hold all of them exactly) instead of logical records; a stream longer
    /// than <see cref="CaptureLimit"/> becomes logical stream records instead, so it is never held whole.
    /// </summary>
    public bool PayloadsForStreamsAndModules { get; init; }

    /// <summary>Decode every value, even those the target would accept as a RESTORE payload.</summary>
    public bool AlwaysReplay { get; init; }

    /// <summary>The target as named in reasons ("Redis 7.0.15").</summary>
    public string Target { get; init; } = "the target";

    public const long DefaultCaptureLimit = 16L << 20;
}

/// <summary>
/// Reads an RDB file key by key and hands out key records, deciding per key: a RESTORE payload (the value's exact bytes,
/// KEY_META and all) when the target accepts the file's RDB version and the value is within the capture limit; otherwise
/// the value decoded (<see cref="RdbValueDecoder"/>) into logical records, a window at a time, straight from the file
/// (<see cref="KeyRecord.Replayed"/> set). A value that cannot be decoded (a module value) and cannot be restored becomes
/// a record that says why (<see cref="KeyRecord.Unwritable"/>). Keys the filter leaves out are skipped unread.
/// Memory: one window, or one captured value up to the limit.
/// </summary>
internal sealed class RdbKeySource(RdbReader reader, RdbKeySourceOptions options)
{
    private IEnumerator<KeyRecord>? _windows;
    private RdbValueDecoder? _decoder;
    private KeyRecord? _next;
    private RdbEntry? _entry;
    private int _chunk;
    private long? _createdMs;
    private bool _started;

    /// <summary>Keys the filter left out.</summary>
    public long NotSelected { get; private set; }

    /// <summary>A Valkey inline command the reading stopped at (the caller decides what to do), or null.</summary>
    public RdbEntry? StoppedAtCommand { get; private set; }

    public RdbReader Reader => reader;

    /// <summary>The next record, or null at the end of the file (or at an inline command: see <see cref="StoppedAtCommand"/>).</summary>
    public async ValueTask<KeyRecord?> NextAsync(CancellationToken ct)
    {
        if (_windows is not null) return NextWindow();
        while (true)
        {
            var entry = await reader.ReadNextAsync(ct).ConfigureAwait(false);
            if (!_started)
            {
                _started = true;
                _createdMs = reader.Summary.CreatedAt?.ToUnixTimeMilliseconds();
            }
            if (entry is null) return null;
            if (entry.Kind == RdbEntryKind.Command)
            {
                StoppedAtCommand = entry;
                return null;
            }
            var isModule = RdbFormatCatalog.LogicalType(entry.Family, entry.Type) == "module";
            var type = isModule && reader.PeekModuleTypeId() is { } moduleId ? RdbModuleTypes.NameOf(moduleId) : RdbFormatCatalog.LogicalType(entry.Family, entry.Type);
            if (!options.Filter.Takes(entry.Database, entry.Key, type, isModule))
            {
                NotSelected++;
                continue; // the reader skips the value
            }
            return Start(entry, type);
        }
    }

    private KeyRecord Start(RdbEntry entry, string type)
    {
        var undecodable = RdbValueDecoder.CannotDecode(entry.Family, entry.Type);
        var version = reader.Version;
        if (!options.AlwaysReplay && options.Accepts?.Invoke(version, entry.Family) == true)
        {
            var limit = undecodable is null ? options.CaptureLimit : long.MaxValue;
            if (reader.CaptureValue(limit, out var template) is { } value) return Payload(entry, type, value, template);
        }
        else if (options.PayloadsForStreamsAndModules && (undecodable is not null || RedisKeyTypes.Parse(type) == RedisKeyType.Stream || entry.KeyMetadata is not null))
        {
            // A stream too big to hold whole becomes logical stream records; the others are held whatever their size.
            var limit = undecodable is null && entry.KeyMetadata is null ? options.CaptureLimit : long.MaxValue;
            if (reader.CaptureValue(limit, out var template) is { } value) return Payload(entry, type, value, template);
        }
        else if (undecodable is not null)
        {
            var record = First(entry, new KeyRecord { Type = type });
            record.Unwritable = $"{PayloadDescription(version, entry.Family)} cannot be restored into {options.Target}, and {undecodable}";
            return record;
        }

        var input = reader.BeginValue(out var valueType, out var offset);
        _decoder = new RdbValueDecoder(input, entry.Family, reader.HashTemplates);
        _windows = _decoder.Decode(valueType, offset).GetEnumerator();
        _entry = entry;
        _chunk = 0;
        if (!_windows.MoveNext()) throw new InvalidOperationException("The decoder returned no record for a value.");
        _next = _windows.Current;
        return NextWindow();
    }

    private static string PayloadDescription(int version, RdbFamily family)
        => $"its payload ({(family == RdbFamily.Valkey ? "VALKEY" : "RDB")} version {version})";

    private KeyRecord NextWindow()
    {
        var record = _next!;
        var more = _windows!.MoveNext();
        _next = more ? _windows.Current : null;
        var entry = _entry!;
        if (_chunk == 0)
        {
            First(entry, record);
            record.Replayed = true;
            if (entry.KeyMetadata is not null) (record.Losses ??= []).Add(new ValueLoss(1, "key metadata (Redis 8.6 KEY_META), which only a RESTORE payload can set"));
        }
        else
        {
            record.Database = entry.Database;
            record.Key = entry.Key;
        }
        record.Chunk = _chunk++;
        record.More = more;
        if (record.FieldExpireAt is not null) record.FieldsReadAtMs = _createdMs;
        if (_decoder!.Losses.Count > 0)
        {
            (record.Losses ??= []).AddRange(_decoder.Losses);
            _decoder.Losses.Clear();
        }
        if (!more)
        {
            _windows.Dispose();
            _windows = null;
            _decoder = null;
            _entry = null;
            reader.EndValue();
        }
        return record;
    }

    private KeyRecord Payload(RdbEntry entry, string type, byte[] value, IReadOnlyList<byte[]>? template)
    {
        var (valueType, bytes) = template is null
            ? (entry.Type, value)
            : (TemplateHashPayload.SelfContainedArray, TemplateHashPayload.Inline(entry with { Value = value, HashTemplate = template }));
        var record = First(entry, new KeyRecord { Type = type });
        record.Dump = DumpPayload.Create(entry.KeyMetadata, valueType, bytes, checked((ushort)reader.Version));
        record.IdleSeconds = entry.IdleSeconds;
        record.Frequency = entry.Frequency;
        return record;
    }

    private KeyRecord First(RdbEntry entry, KeyRecord record)
    {
        record.Database = entry.Database;
        record.Key = entry.Key;
        record.ExpireAtMs = entry.ExpireAtMs;
        record.TtlMs = entry.ExpireAtMs is { } at && _createdMs is { } c ? at - c : null;
        return record;
    }
}
