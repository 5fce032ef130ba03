using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Formats;

/// <summary>
/// Serializes header, key and trailer records as JSON Lines (one UTF-8 JSON object + '\n' each) into a stream
/// (the exporter's gzip stream). Bytes that are valid UTF-8 are written as JSON strings, others as {"b64":"…"}.
/// </summary>
internal sealed class KeyRecordWriter : IDisposable
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };

    private readonly Stream _output;
    private readonly ArrayBufferWriter<byte> _buffer = new(256 * 1024);
    private readonly Utf8JsonWriter _json;

    public KeyRecordWriter(Stream output)
    {
        _output = output;
        _json = new Utf8JsonWriter(_buffer, Options);
    }

    public long Records { get; private set; }

    /// <summary>Hash field expiries written (fields with a <c>fieldExpireAt</c> entry other than 0).</summary>
    public long FieldTtls { get; private set; }

    public void WriteHeader(KeyFileHeader header)
    {
        Begin("header");
        _json.WriteString("format", KeyFileFormat.FormatName);
        var requires = header.Requires;
        _json.WriteNumber("version", requires.Count > 0 ? KeyFileFormat.Version : KeyFileFormat.VersionWithoutRequirements);
        _json.WriteNumber("minor", KeyFileFormat.Minor);
        _json.WriteStartArray("requires");
        foreach (var feature in requires) _json.WriteStringValue(feature);
        _json.WriteEndArray();
        _json.WriteString("createdAt", header.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        _json.WriteNumber("createdAtMs", header.CreatedAt.ToUnixTimeMilliseconds());
        _json.WriteStartObject("source");
        _json.WriteString("address", header.SourceAddress);
        WriteOptionalString("version", header.ServerVersion);
        WriteOptionalString("role", header.Role);
        _json.WriteEndObject();
        _json.WriteStartObject("options");
        if (header.Databases is null) _json.WriteNull("databases");
        else
        {
            _json.WriteStartArray("databases");
            foreach (var db in header.Databases) _json.WriteNumberValue(db);
            _json.WriteEndArray();
        }
        WriteOptionalString("match", header.Match);
        if (header.Types is null) _json.WriteNull("types");
        else
        {
            _json.WriteStartArray("types");
            foreach (var t in header.Types) _json.WriteStringValue(t);
            _json.WriteEndArray();
        }
        _json.WriteBoolean("exact", header.Exact);
        _json.WriteEndObject();
        End();
    }

    /// <summary>The functions record (right after the header, when the header requires <c>functions</c>).</summary>
    public void WriteFunctions(Rdb.FunctionLibraries functions)
    {
        Begin(FunctionsRecord.Kind);
        FunctionsRecord.Write(_json, functions);
        End();
    }

    public void WriteKey(KeyRecord record)
    {
        Begin("key");
        _json.WriteNumber("db", record.Database);
        _json.WritePropertyName("key");
        WriteBlob(record.Key);
        _json.WriteString("type", record.Type);
        if (record.ExpireAtMs is { } at)
        {
            _json.WriteNumber("expireAt", at);
            _json.WriteNumber("ttl", record.TtlMs ?? 0);
        }
        if (record.Logical) _json.WriteBoolean("logical", true);
        if (record.Chunk != 0) _json.WriteNumber("chunk", record.Chunk);
        if (record.More) _json.WriteBoolean("more", true);
        if (record.Stream is { } part)
        {
            _json.WritePropertyName("stream");
            StreamPartJson.Write(_json, part, WriteBlob);
        }
        else if (record.Dump is not null)
        {
            _json.WriteBase64String("dump", record.Dump);
        }
        else if (record.Kind == RedisKeyType.String && record.Items.Count == 1 && record.Chunk == 0 && !record.More)
        {
            _json.WritePropertyName("value");
            WriteBlob(record.Items[0]);
        }
        else
        {
            _json.WriteStartArray("value");
            foreach (var item in record.Items) WriteBlob(item);
            _json.WriteEndArray();
        }
        if (record.FieldExpireAt is { } fieldExpiry)
        {
            _json.WriteStartArray("fieldExpireAt");
            foreach (var fieldAt in fieldExpiry)
            {
                _json.WriteNumberValue(fieldAt);
                if (fieldAt != 0) FieldTtls++;
            }
            _json.WriteEndArray();
            if (record.FieldsReadAtMs is { } readAt) _json.WriteNumber("fieldsReadAt", readAt);
        }
        End();
        Records++;
    }

    public void WriteTrailer(KeyFileTrailer trailer)
    {
        Begin("trailer");
        _json.WriteNumber("keys", trailer.Keys);
        _json.WriteNumber("records", trailer.Records);
        _json.WriteStartObject("databases");
        foreach (var (db, n) in trailer.KeysPerDatabase.OrderBy(p => p.Key))
            _json.WriteNumber(db.ToString(CultureInfo.InvariantCulture), n);
        _json.WriteEndObject();
        _json.WriteNumber("vanished", trailer.Vanished);
        _json.WriteNumber("duplicates", trailer.Duplicates);
        _json.WriteNumber("fieldTtls", trailer.FieldTtls);
        _json.WriteString("completedAt", trailer.CompletedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        End();
    }

    /// <summary>Sends the buffered records to the output stream.</summary>
    public async ValueTask FlushAsync(CancellationToken ct)
    {
        if (_buffer.WrittenCount == 0) return;
        await _output.WriteAsync(_buffer.WrittenMemory, ct).ConfigureAwait(false);
        _buffer.Clear();
    }

    /// <summary>Bytes buffered and not yet sent.</summary>
    public int Pending => _buffer.WrittenCount;

    private void Begin(string kind)
    {
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteString(KeyFileFormat.RecordProperty, kind);
    }

    private void End()
    {
        _json.WriteEndObject();
        _json.Flush();
        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
    }

    private void WriteOptionalString(string name, string? value)
    {
        if (value is null) _json.WriteNull(name);
        else _json.WriteString(name, value);
    }

    /// <summary>
    /// Valid UTF-8 as a JSON string, unless escaping would make it longer than base64 (mostly control bytes: a bitmap,
    /// zeros); anything else as {"b64":"…"} (lossless). So a record is never more than 4/3 of its values plus framing,
    /// and a long text is escaped here, into a buffer of exactly its size (see <see cref="JsonBlobText"/>).
    /// </summary>
    private void WriteBlob(byte[] bytes)
    {
        if (Utf8.IsValid(bytes) && JsonBlobText.TokenLength(bytes) is { } length)
        {
            if (bytes.Length <= JsonBlobText.SmallBlob) _json.WriteStringValue(bytes);
            else JsonBlobText.WriteToken(_json, bytes, length);
        }
        else
        {
            _json.WriteStartObject();
            _json.WriteBase64String("b64", bytes);
            _json.WriteEndObject();
        }
    }

    public void Dispose() => _json.Dispose();
}

/// <summary>What the header record says.</summary>
internal sealed record KeyFileHeader
{
    public DateTimeOffset CreatedAt { get; init; }
    public string SourceAddress { get; init; } = "";
    public string? ServerVersion { get; init; }
    public string? Role { get; init; }
    public IReadOnlyList<int>? Databases { get; init; }
    public string? Match { get; init; }
    public IReadOnlyList<string>? Types { get; init; }
    public bool Exact { get; init; }
    public int FormatVersion { get; init; } = KeyFileFormat.VersionWithoutRequirements;
    public int Minor { get; init; }

    /// <summary>What a reader must understand to restore the file faithfully (e.g. "fieldTtl"); empty for none.</summary>
    public IReadOnlyList<string> Requires { get; init; } = [];
}

/// <summary>What the trailer record says.</summary>
internal sealed record KeyFileTrailer
{
    public long Keys { get; init; }
    public long Records { get; init; }
    public IReadOnlyDictionary<int, long> KeysPerDatabase { get; init; } = new Dictionary<int, long>();
    public long Vanished { get; init; }
    public long Duplicates { get; init; }

    /// <summary>Hash field expiries in the file; -1 when the trailer does not say (files written before minor 1).</summary>
    public long FieldTtls { get; init; } = -1;
    public DateTimeOffset CompletedAt { get; init; }
}
