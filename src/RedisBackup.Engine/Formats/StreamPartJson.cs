using System.Globalization;
using System.Text.Json;

namespace RedisBackup.Engine.Formats;

/// <summary>
/// The JSON form of a logical stream record's <c>stream</c> property (README, "Logical stream records"): one
/// <see cref="StreamPart"/> per record, named by <c>part</c>: <c>entries</c>, <c>state</c>, <c>group</c>, <c>consumer</c>
/// or <c>pending</c>. IDs are "ms-seq" strings; names, fields and values are blobs.
/// </summary>
internal static class StreamPartJson
{
    public static void Write(Utf8JsonWriter json, StreamPart part, Action<byte[]> writeBlob)
    {
        json.WriteStartObject();
        switch (part.Kind)
        {
            case StreamPartKind.Entries:
                json.WriteString("part", "entries");
                json.WriteStartArray("entries");
                foreach (var entry in part.Entries!)
                {
                    json.WriteStartArray();
                    json.WriteStringValue(entry.Id.ToString());
                    foreach (var item in entry.Fields) writeBlob(item);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
                break;
            case StreamPartKind.Meta:
                json.WriteString("part", "state");
                json.WriteNumber("length", part.Length);
                json.WriteString("lastId", part.LastId.ToString());
                if (part.FirstId is { } first) json.WriteString("firstId", first.ToString());
                if (part.MaxDeletedId is { } deleted) json.WriteString("maxDeletedId", deleted.ToString());
                if (part.EntriesAdded is { } added) json.WriteNumber("entriesAdded", added);
                break;
            case StreamPartKind.Group:
                json.WriteString("part", "group");
                json.WritePropertyName("group");
                writeBlob(part.Group!);
                json.WriteString("lastDeliveredId", part.LastDeliveredId.ToString());
                if (part.EntriesRead is { } read) json.WriteNumber("entriesRead", read);
                break;
            case StreamPartKind.Consumer:
                json.WriteString("part", "consumer");
                json.WritePropertyName("group");
                writeBlob(part.Group!);
                json.WritePropertyName("consumer");
                writeBlob(part.Consumer!);
                json.WriteNumber("seenTime", part.SeenTimeMs);
                if (part.ActiveTimeMs is { } active) json.WriteNumber("activeTime", active);
                break;
            case StreamPartKind.Pending:
                json.WriteString("part", "pending");
                json.WritePropertyName("group");
                writeBlob(part.Group!);
                json.WritePropertyName("consumer");
                writeBlob(part.Consumer!);
                json.WriteStartArray("pending");
                foreach (var p in part.Pending!)
                {
                    json.WriteStartArray();
                    json.WriteStringValue(p.Id.ToString());
                    json.WriteNumberValue(p.DeliveryTimeMs);
                    json.WriteNumberValue(p.DeliveryCount);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
                break;
        }
        json.WriteEndObject();
    }

    /// <summary>Reads the object at the reader (its StartObject is the current token). Throws <see cref="FormatException"/> on anything malformed.</summary>
    public static StreamPart Read(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartObject) throw new FormatException("A stream part is not an object.");
        string? kind = null;
        List<StreamEntry>? entries = null;
        List<StreamPending>? pending = null;
        byte[]? group = null, consumer = null;
        ulong? length = null, added = null;
        long? read = null, seen = null, active = null;
        StreamId? lastId = null, firstId = null, maxDeleted = null, lastDelivered = null;
        while (Next(ref r) != JsonTokenType.EndObject)
        {
            if (r.TokenType != JsonTokenType.PropertyName) throw new FormatException("A stream part holds something other than properties.");
            if (r.ValueTextEquals("part")) { Next(ref r); kind = r.GetString(); }
            else if (r.ValueTextEquals("entries"))
            {
                Expect(ref r, JsonTokenType.StartArray, "an array of entries");
                entries = [];
                while (Next(ref r) != JsonTokenType.EndArray)
                {
                    if (r.TokenType != JsonTokenType.StartArray) throw new FormatException("A stream entry is not an array.");
                    Expect(ref r, JsonTokenType.String, "an entry ID");
                    var id = Id(r.GetString());
                    var fields = new List<byte[]>();
                    while (Next(ref r) != JsonTokenType.EndArray) fields.Add(KeyRecordParser.ReadBlob(ref r));
                    if (fields.Count == 0 || fields.Count % 2 != 0) throw new FormatException($"Stream entry {id} holds {fields.Count} fields and values; it needs field, value pairs.");
                    entries.Add(new StreamEntry(id, [.. fields]));
                }
            }
            else if (r.ValueTextEquals("length")) { Next(ref r); length = r.GetUInt64(); }
            else if (r.ValueTextEquals("lastId")) { Next(ref r); lastId = Id(r.GetString()); }
            else if (r.ValueTextEquals("firstId")) { Next(ref r); firstId = Id(r.GetString()); }
            else if (r.ValueTextEquals("maxDeletedId")) { Next(ref r); maxDeleted = Id(r.GetString()); }
            else if (r.ValueTextEquals("entriesAdded")) { Next(ref r); added = r.GetUInt64(); }
            else if (r.ValueTextEquals("group")) { Next(ref r); group = KeyRecordParser.ReadBlob(ref r); }
            else if (r.ValueTextEquals("lastDeliveredId")) { Next(ref r); lastDelivered = Id(r.GetString()); }
            else if (r.ValueTextEquals("entriesRead")) { Next(ref r); read = r.GetInt64(); }
            else if (r.ValueTextEquals("consumer")) { Next(ref r); consumer = KeyRecordParser.ReadBlob(ref r); }
            else if (r.ValueTextEquals("seenTime")) { Next(ref r); seen = r.GetInt64(); }
            else if (r.ValueTextEquals("activeTime")) { Next(ref r); active = r.GetInt64(); }
            else if (r.ValueTextEquals("pending"))
            {
                Expect(ref r, JsonTokenType.StartArray, "an array of pending entries");
                pending = [];
                while (Next(ref r) != JsonTokenType.EndArray)
                {
                    if (r.TokenType != JsonTokenType.StartArray) throw new FormatException("A pending entry is not an array.");
                    Expect(ref r, JsonTokenType.String, "a pending entry's ID");
                    var id = Id(r.GetString());
                    Expect(ref r, JsonTokenType.Number, "a delivery time");
                    var time = r.GetInt64();
                    Expect(ref r, JsonTokenType.Number, "a delivery count");
                    var count = r.GetUInt64();
                    Expect(ref r, JsonTokenType.EndArray, "the end of a pending entry");
                    pending.Add(new StreamPending(id, time, count));
                }
            }
            else
            {
                Next(ref r);
                r.Skip(); // a property of a newer minor version
            }
        }
        return kind switch
        {
            "entries" when entries is not null => new StreamPart { Kind = StreamPartKind.Entries, Entries = entries },
            "state" when length is not null && lastId is not null => new StreamPart
            {
                Kind = StreamPartKind.Meta, Length = length.Value, LastId = lastId.Value, FirstId = firstId, MaxDeletedId = maxDeleted, EntriesAdded = added,
            },
            "group" when group is not null && lastDelivered is not null => new StreamPart { Kind = StreamPartKind.Group, Group = group, LastDeliveredId = lastDelivered.Value, EntriesRead = read },
            "consumer" when group is not null && consumer is not null && seen is not null => new StreamPart
            {
                Kind = StreamPartKind.Consumer, Group = group, Consumer = consumer, SeenTimeMs = seen.Value, ActiveTimeMs = active,
            },
            "pending" when group is not null && consumer is not null && pending is not null => new StreamPart { Kind = StreamPartKind.Pending, Group = group, Consumer = consumer, Pending = pending },
            _ => throw new FormatException($"A stream part '{kind}' lacks what that part must hold."),
        };
    }

    private static StreamId Id(string? text)
    {
        var dash = text?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (dash > 0
            && ulong.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            && ulong.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            return new StreamId(ms, seq);
        throw new FormatException($"'{text}' is not a stream ID (ms-seq).");
    }

    private static JsonTokenType Next(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new FormatException("The record ends too early.");
        return r.TokenType;
    }

    private static void Expect(ref Utf8JsonReader r, JsonTokenType expected, string what)
    {
        if (Next(ref r) != expected) throw new FormatException($"Expected {what}, found {r.TokenType}.");
    }
}
