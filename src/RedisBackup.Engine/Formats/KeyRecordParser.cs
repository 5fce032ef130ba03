using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Formats;

/// <summary>Parses one JSON Lines record of our format (header, key or trailer). Throws <see cref="FormatException"/> on anything malformed.</summary>
internal static class KeyRecordParser
{
    public enum Kind { Header, Key, Trailer }

    /// <param name="checkOnly">
    /// For verification: values are checked exactly as for a restore (strings, base64) but not kept, so a key record
    /// comes back with its key, type, expiry and chunk fields and no <see cref="KeyRecord.Items"/> or <see cref="KeyRecord.Dump"/>.
    /// </param>
    public static Kind Parse(ReadOnlySpan<byte> line, out KeyFileHeader? header, out KeyRecord? key, out KeyFileTrailer? trailer, bool checkOnly = false)
    {
        header = null; key = null; trailer = null;
        var r = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            Next(ref r, JsonTokenType.StartObject, "a record object");
            Next(ref r, JsonTokenType.PropertyName, "the \"rec\" property");
            if (!r.ValueTextEquals(KeyFileFormat.RecordProperty)) throw new FormatException("The record does not start with \"rec\".");
            Next(ref r, JsonTokenType.String, "the record kind");
            Kind kind;
            if (r.ValueTextEquals("key")) { key = ParseKey(ref r, checkOnly); kind = Kind.Key; }
            else if (r.ValueTextEquals("header")) { header = ParseHeader(ref r); kind = Kind.Header; }
            else if (r.ValueTextEquals("trailer")) { trailer = ParseTrailer(ref r); kind = Kind.Trailer; }
            else throw new FormatException($"Unknown record kind '{r.GetString()}'.");
            if (r.Read()) throw new FormatException("Extra data after the record.");
            return kind;
        }
        catch (JsonException ex)
        {
            throw new FormatException("Invalid JSON: " + ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new FormatException("Unexpected JSON value: " + ex.Message, ex);
        }
    }

    private static KeyRecord ParseKey(ref Utf8JsonReader r, bool checkOnly)
    {
        var record = new KeyRecord();
        bool hasDb = false, hasKey = false, hasType = false, hasValue = false, hasDump = false;
        var items = 0;
        while (Read(ref r) != JsonTokenType.EndObject)
        {
            Expect(ref r, JsonTokenType.PropertyName);
            if (r.ValueTextEquals("db")) { Read(ref r); record.Database = r.GetInt32(); hasDb = true; }
            else if (r.ValueTextEquals("key")) { Read(ref r); record.Key = ReadBlob(ref r); hasKey = true; }
            else if (r.ValueTextEquals("type")) { Next(ref r, JsonTokenType.String, "a type name"); record.Type = r.GetString()!; hasType = true; }
            else if (r.ValueTextEquals("expireAt")) { Read(ref r); record.ExpireAtMs = r.GetInt64(); }
            else if (r.ValueTextEquals("ttl")) { Read(ref r); record.TtlMs = r.GetInt64(); }
            else if (r.ValueTextEquals("chunk")) { Read(ref r); record.Chunk = r.GetInt32(); }
            else if (r.ValueTextEquals("more")) { Read(ref r); record.More = r.GetBoolean(); }
            else if (r.ValueTextEquals("logical")) { Read(ref r); record.Logical = r.GetBoolean(); }
            else if (r.ValueTextEquals("fieldExpireAt"))
            {
                Next(ref r, JsonTokenType.StartArray, "an array of field expiry times");
                var expiry = new List<long>();
                while (Read(ref r) != JsonTokenType.EndArray)
                {
                    var at = r.GetInt64();
                    if (at < 0) throw new FormatException("A field expiry time is negative.");
                    expiry.Add(at);
                }
                record.FieldExpireAt = expiry;
            }
            else if (r.ValueTextEquals("fieldsReadAt")) { Read(ref r); record.FieldsReadAtMs = r.GetInt64(); }
            else if (r.ValueTextEquals("stream"))
            {
                Read(ref r);
                record.Stream = StreamPartJson.Read(ref r); // windows are bounded: read whole even when only checking
                hasValue = true;
            }
            else if (r.ValueTextEquals("dump"))
            {
                Next(ref r, JsonTokenType.String, "a base64 DUMP payload");
                if (checkOnly) CheckBase64(ref r);
                else record.Dump = r.GetBytesFromBase64();
                hasValue = hasDump = true;
            }
            else if (r.ValueTextEquals("value"))
            {
                Read(ref r);
                if (r.TokenType == JsonTokenType.StartArray)
                {
                    while (Read(ref r) != JsonTokenType.EndArray) TakeItem(ref r, record, checkOnly, ref items);
                }
                else
                {
                    TakeItem(ref r, record, checkOnly, ref items);
                }
                hasValue = true;
            }
            else
            {
                Read(ref r);
                r.Skip(); // unknown properties of a newer minor version are ignored
            }
        }
        if (!hasDb || !hasKey || !hasType || !hasValue)
            throw new FormatException("A key record lacks one of db, key, type, value/dump.");
        if (record.Database < 0 || record.Chunk < 0) throw new FormatException("A key record has a negative db or chunk number.");
        if (record.Stream is not null && (record.Kind != RedisKeyType.Stream || hasDump || items > 0))
            throw new FormatException($"A key record of type '{record.Type}' holds a stream part together with a value or DUMP payload, or is not a stream.");
        if (!hasDump && record.Stream is null)
        {
            var valid = record.Kind switch
            {
                RedisKeyType.String => items == 1 || record.Chunk > 0 || record.More,
                RedisKeyType.Hash or RedisKeyType.ZSet => items % 2 == 0,
                RedisKeyType.List or RedisKeyType.Set => true,
                _ => false,
            };
            if (!valid) throw new FormatException($"A key record of type '{record.Type}' has a value of the wrong shape ({items} items).");
        }
        if (record.Logical && hasDump) throw new FormatException("A key record marked logical holds a DUMP payload.");
        if (record.FieldExpireAt is { } fieldExpiry && (record.Kind != RedisKeyType.Hash || hasDump || fieldExpiry.Count * 2 != items))
            throw new FormatException($"A key record's fieldExpireAt ({fieldExpiry.Count} entries) does not match the fields of its value ({record.Type}, {items / 2} fields).");
        return record;
    }

    private static void TakeItem(ref Utf8JsonReader r, KeyRecord record, bool checkOnly, ref int items)
    {
        if (checkOnly) CheckBlob(ref r);
        else record.Items.Add(ReadBlob(ref r));
        items++;
    }

    /// <summary>Checks what <see cref="ReadBlob"/> would read, without keeping it.</summary>
    private static void CheckBlob(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.String)
        {
            // Unescaped text is taken as it is by ReadBlob too; escapes are decoded as ReadBlob would (it may refuse some),
            // into a pooled buffer: nothing is kept.
            if (r.ValueIsEscaped || r.HasValueSequence) Unescape(ref r, static _ => 0);
            return;
        }
        if (r.TokenType == JsonTokenType.StartObject)
        {
            Next(ref r, JsonTokenType.PropertyName, "\"b64\"");
            if (!r.ValueTextEquals("b64")) throw new FormatException("A binary value object must hold only \"b64\".");
            Next(ref r, JsonTokenType.String, "base64 text");
            CheckBase64(ref r);
            Next(ref r, JsonTokenType.EndObject, "the end of the binary value object");
            return;
        }
        throw new FormatException($"Expected a string or {{\"b64\":…}}, found {r.TokenType}.");
    }

    /// <summary>Decodes the current base64 string into a scratch buffer: the same acceptance as GetBytesFromBase64, nothing kept.</summary>
    private static void CheckBase64(ref Utf8JsonReader r)
    {
        if (r.ValueIsEscaped || r.HasValueSequence)
        {
            _ = r.GetBytesFromBase64();
            return;
        }
        var text = r.ValueSpan;
        var scratch = ArrayPool<byte>.Shared.Rent(Base64.GetMaxDecodedFromUtf8Length(text.Length));
        try
        {
            if (Base64.DecodeFromUtf8(text, scratch, out _, out _) != OperationStatus.Done)
                throw new FormatException("A value is not valid base64.");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>A file of ours that a newer redis-backup wrote: not damaged, only newer than this tool.</summary>
    private static KeyFileHeader ParseHeader(ref Utf8JsonReader r)
    {
        string? format = null;
        int version = 0, minor = 0;
        List<string>? requires = null;
        DateTimeOffset created = default;
        string address = "";
        string? serverVersion = null, role = null, match = null;
        List<int>? dbs = null;
        List<string>? types = null;
        var exact = false;
        while (Read(ref r) != JsonTokenType.EndObject)
        {
            Expect(ref r, JsonTokenType.PropertyName);
            if (r.ValueTextEquals("format")) { Read(ref r); format = r.GetString(); }
            else if (r.ValueTextEquals("version")) { Read(ref r); version = r.GetInt32(); }
            else if (r.ValueTextEquals("minor")) { Read(ref r); minor = r.GetInt32(); }
            else if (r.ValueTextEquals("requires"))
            {
                Next(ref r, JsonTokenType.StartArray, "the requires list");
                requires = [];
                while (Read(ref r) != JsonTokenType.EndArray)
                {
                    Expect(ref r, JsonTokenType.String);
                    requires.Add(r.GetString()!);
                }
            }
            else if (r.ValueTextEquals("createdAt")) { Read(ref r); created = r.GetDateTimeOffset(); }
            else if (r.ValueTextEquals("source"))
            {
                Next(ref r, JsonTokenType.StartObject, "the source object");
                while (Read(ref r) != JsonTokenType.EndObject)
                {
                    var name = r.GetString();
                    Read(ref r);
                    switch (name)
                    {
                        case "address": address = r.GetString() ?? ""; break;
                        case "version": serverVersion = r.TokenType == JsonTokenType.Null ? null : r.GetString(); break;
                        case "role": role = r.TokenType == JsonTokenType.Null ? null : r.GetString(); break;
                        default: r.Skip(); break;
                    }
                }
            }
            else if (r.ValueTextEquals("options"))
            {
                Next(ref r, JsonTokenType.StartObject, "the options object");
                while (Read(ref r) != JsonTokenType.EndObject)
                {
                    var name = r.GetString();
                    Read(ref r);
                    switch (name)
                    {
                        case "databases" when r.TokenType == JsonTokenType.StartArray:
                            dbs = [];
                            while (Read(ref r) != JsonTokenType.EndArray) dbs.Add(r.GetInt32());
                            break;
                        case "types" when r.TokenType == JsonTokenType.StartArray:
                            types = [];
                            while (Read(ref r) != JsonTokenType.EndArray) types.Add(r.GetString()!);
                            break;
                        case "match": match = r.TokenType == JsonTokenType.Null ? null : r.GetString(); break;
                        case "exact": exact = r.GetBoolean(); break;
                        default: r.Skip(); break;
                    }
                }
            }
            else
            {
                Read(ref r);
                r.Skip();
            }
        }
        if (format is not null && format != KeyFileFormat.FormatName && format.StartsWith(KeyFileFormat.FormatName, StringComparison.Ordinal))
            throw TooNew($"names format '{format}', a later variant of '{KeyFileFormat.FormatName}'");
        if (format != KeyFileFormat.FormatName) throw new FormatException($"The header names format '{format}', not '{KeyFileFormat.FormatName}'.");
        if (version < 1) throw new FormatException($"The header names format version {version}.");
        if (version > KeyFileFormat.Version)
            throw TooNew($"is key-level format version {version}; this version of redis-backup reads versions 1 to {KeyFileFormat.Version}");
        var unknown = requires?.Where(f => !KeyFileFormat.KnownRequirements.Contains(f)).ToList();
        if (unknown is { Count: > 0 })
            throw TooNew($"requires {string.Join(", ", unknown.Select(f => $"'{f}'"))}, which this version of redis-backup does not know (it knows: {string.Join(", ", KeyFileFormat.KnownRequirements)})");
        return new KeyFileHeader
        {
            CreatedAt = created, SourceAddress = address, ServerVersion = serverVersion, Role = role,
            Databases = dbs, Match = match, Types = types, Exact = exact, FormatVersion = version, Minor = minor,
            Requires = requires ?? [],
        };
    }

    /// <summary>
    /// A file this reader cannot restore faithfully because a newer redis-backup wrote it: refused as a whole, before
    /// any key is read, so nothing is written and nothing is silently dropped.
    /// </summary>
    private static RedisBackupException TooNew(string what)
        => new(ErrorKind.NotSupported, ErrorIds.BackupFormatTooNew,
            $"BackupFormatTooNew: the backup {what}. It was written by a newer redis-backup than this one; read, verify or restore it with that version or a later one. Nothing was read from it.");

    private static KeyFileTrailer ParseTrailer(ref Utf8JsonReader r)
    {
        long keys = -1, records = -1, vanished = 0, duplicates = 0, fieldTtls = -1;
        var perDb = new Dictionary<int, long>();
        DateTimeOffset completed = default;
        while (Read(ref r) != JsonTokenType.EndObject)
        {
            Expect(ref r, JsonTokenType.PropertyName);
            if (r.ValueTextEquals("keys")) { Read(ref r); keys = r.GetInt64(); }
            else if (r.ValueTextEquals("records")) { Read(ref r); records = r.GetInt64(); }
            else if (r.ValueTextEquals("vanished")) { Read(ref r); vanished = r.GetInt64(); }
            else if (r.ValueTextEquals("duplicates")) { Read(ref r); duplicates = r.GetInt64(); }
            else if (r.ValueTextEquals("fieldTtls"))
            {
                Read(ref r);
                fieldTtls = r.GetInt64();
                if (fieldTtls < 0) throw new FormatException("The trailer's fieldTtls count is negative.");
            }
            else if (r.ValueTextEquals("completedAt")) { Read(ref r); completed = r.GetDateTimeOffset(); }
            else if (r.ValueTextEquals("databases"))
            {
                Next(ref r, JsonTokenType.StartObject, "the databases object");
                while (Read(ref r) != JsonTokenType.EndObject)
                {
                    if (!int.TryParse(r.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var db))
                        throw new FormatException("The trailer's databases object has a key that is not a database number.");
                    Read(ref r);
                    perDb[db] = r.GetInt64();
                }
            }
            else
            {
                Read(ref r);
                r.Skip();
            }
        }
        if (keys < 0 || records < 0) throw new FormatException("The trailer lacks its keys or records count.");
        return new KeyFileTrailer { Keys = keys, Records = records, KeysPerDatabase = perDb, Vanished = vanished, Duplicates = duplicates, FieldTtls = fieldTtls, CompletedAt = completed };
    }

    /// <summary>A JSON string (its UTF-8 bytes) or {"b64":"…"}.</summary>
    internal static byte[] ReadBlob(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.String) return StringBytes(ref r);
        if (r.TokenType == JsonTokenType.StartObject)
        {
            Next(ref r, JsonTokenType.PropertyName, "\"b64\"");
            if (!r.ValueTextEquals("b64")) throw new FormatException("A binary value object must hold only \"b64\".");
            Next(ref r, JsonTokenType.String, "base64 text");
            var bytes = r.GetBytesFromBase64();
            Next(ref r, JsonTokenType.EndObject, "the end of the binary value object");
            return bytes;
        }
        throw new FormatException($"Expected a string or {{\"b64\":…}}, found {r.TokenType}.");
    }

    internal static byte[] StringBytes(ref Utf8JsonReader r)
    {
        if (!r.ValueIsEscaped && !r.HasValueSequence) return r.ValueSpan.ToArray();
        return Unescape(ref r, static text => text.ToArray());
    }

    /// <summary>
    /// Decodes an escaped string into a pooled buffer of its escaped length (the text is never longer unescaped) and
    /// hands the text to <paramref name="take"/>: an escaped value costs one array of its own size, not one of its
    /// escaped size (up to six times more, for a value of control bytes) plus a copy.
    /// </summary>
    private static T Unescape<T>(ref Utf8JsonReader r, SpanFunc<T> take)
    {
        var escaped = r.HasValueSequence ? r.ValueSequence.Length : r.ValueSpan.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(checked((int)escaped));
        try
        {
            var n = r.CopyString(buffer);
            return take(buffer.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private delegate T SpanFunc<out T>(ReadOnlySpan<byte> text);

    private static JsonTokenType Read(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new FormatException("The record ends too early.");
        return r.TokenType;
    }

    private static void Next(ref Utf8JsonReader r, JsonTokenType expected, string what)
    {
        if (Read(ref r) != expected) throw new FormatException($"Expected {what}, found {r.TokenType}.");
    }

    private static void Expect(ref Utf8JsonReader r, JsonTokenType expected)
    {
        if (r.TokenType != expected) throw new FormatException($"Expected {expected}, found {r.TokenType}.");
    }
}
