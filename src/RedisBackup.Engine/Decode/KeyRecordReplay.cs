using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Decode;

/// <summary>How a <see cref="KeyRecordReplay"/> treats the records of a key-level backup.</summary>
internal sealed record KeyRecordReplayOptions
{
    /// <summary>Whether the target takes a RESTORE payload of this RDB version and family (from its INFO); null: never (a conversion).</summary>
    public Func<int, RdbFamily, bool>? Accepts { get; init; }

    public KeyFilter Filter { get; init; } = new(null, null, null);

    /// <summary>Decode every DUMP record, even those the target would accept.</summary>
    public bool AlwaysReplay { get; init; }

    /// <summary>Conversion: stream and module records, and payloads with Redis 8.6 key metadata, stay DUMP records.</summary>
    public bool KeepStreamAndModulePayloads { get; init; }

    /// <summary>The backup's creation time (Unix ms): when field expiries decoded from its payloads were read.</summary>
    public long? CreatedMs { get; init; }

    /// <summary>The target as named in reasons ("Redis 7.0.15").</summary>
    public string Target { get; init; } = "the target";
}

/// <summary>
/// Passes the records of a key-level backup on, per key: a DUMP record (exact backups; a logical backup's streams and
/// module values) as it is when the target accepts its payload's RDB version, else decoded into logical records
/// (<see cref="KeyRecord.Replayed"/>) with the same decoder as RDB files; a payload that cannot be decoded (a module
/// value) or is damaged becomes a record that says why (<see cref="KeyRecord.Unwritable"/>). Keys the filter leaves out
/// are dropped, all their chunks.
/// </summary>
internal sealed class KeyRecordReplay(Func<CancellationToken, ValueTask<KeyRecord?>> source, KeyRecordReplayOptions options)
{
    private IEnumerator<KeyRecord>? _windows;
    private KeyRecord? _next;
    private KeyRecord? _original;
    private List<ValueLoss> _losses = [];
    private int _chunk;
    private bool _skipping;

    /// <summary>Keys the filter left out.</summary>
    public long NotSelected { get; private set; }

    public async ValueTask<KeyRecord?> NextAsync(CancellationToken ct)
    {
        if (_windows is not null) return NextWindow();
        while (true)
        {
            var record = await source(ct).ConfigureAwait(false);
            if (record is null) return null;
            if (record.IsFirst)
            {
                _skipping = !options.Filter.Takes(record.Database, record.Key, record.Type, isModule: !record.Kind.IsBuiltIn());
                if (_skipping) NotSelected++;
            }
            if (_skipping) continue;
            if (record.Dump is not { } payload) return record;

            // The version decides; a payload that goes as RESTORE has its CRC64 checked by the server, one to decode here.
            if (!options.AlwaysReplay && DumpPayloadDecoder.TryVersion(payload, out var version, out var family) && options.Accepts?.Invoke(version, family) == true)
                return record;
            var info = DumpPayloadDecoder.Inspect(payload, checkCrc: false);
            if ((info.Problem ?? DumpPayloadDecoder.CrcProblem(payload)) is { } problem) return Unwritable(record, problem);
            var undecodable = RdbValueDecoder.CannotDecode(info.Family, info.Type);
            if (options.KeepStreamAndModulePayloads && (undecodable is not null || info.HasKeyMetadata || RedisKeyTypes.Parse(RdbValueDecoder.TypeName(info.Family, info.Type)) == RedisKeyType.Stream)) return record;
            if (undecodable is not null)
                return Unwritable(record, $"its payload ({(info.Family == RdbFamily.Valkey ? "VALKEY" : "RDB")} version {info.Version}) cannot be restored into {options.Target}, and {undecodable}");

            _original = record;
            _losses = [];
            if (info.HasKeyMetadata) _losses.Add(new ValueLoss(1, "key metadata (Redis 8.6 KEY_META), which only a RESTORE payload can set"));
            _windows = DumpPayloadDecoder.Decode(payload, info, _losses).GetEnumerator();
            _chunk = 0;
            if (!_windows.MoveNext()) throw new InvalidOperationException("The decoder returned no record for a value.");
            _next = _windows.Current;
            return NextWindow();
        }
    }

    private KeyRecord NextWindow()
    {
        var record = _next!;
        var more = _windows!.MoveNext();
        _next = more ? _windows.Current : null;
        var original = _original!;
        record.Database = original.Database;
        record.Key = original.Key;
        if (_chunk == 0)
        {
            record.ExpireAtMs = original.ExpireAtMs;
            record.TtlMs = original.TtlMs;
            record.Replayed = true;
        }
        record.Chunk = _chunk++;
        record.More = more;
        if (record.FieldExpireAt is not null)
            record.FieldsReadAtMs = original.ExpireAtMs is { } at && original.TtlMs is { } ttl ? at - ttl : options.CreatedMs;
        if (_losses.Count > 0)
        {
            (record.Losses ??= []).AddRange(_losses);
            _losses.Clear();
        }
        if (!more)
        {
            _windows.Dispose();
            _windows = null;
            _original = null;
        }
        return record;
    }

    private static KeyRecord Unwritable(KeyRecord record, string reason)
    {
        record.Unwritable = reason;
        record.Dump = null;
        return record;
    }
}
