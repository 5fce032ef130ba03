using System.Text.Json;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Formats;

/// <summary>
/// The <c>functions</c> record of a key-level file: the source's function libraries, right after the header, present
/// only when the header requires <c>functions</c>.
/// <code>{"rec":"functions","libraries":["mylib","other"],"dump":"9UBU…"}</code>
/// <c>dump</c> is the <c>FUNCTION DUMP</c> payload (base64); <c>libraries</c> names its libraries in order (a reader
/// checks both against each other and the payload's CRC64).
/// </summary>
internal static class FunctionsRecord
{
    public const string Kind = "functions";

    public static void Write(Utf8JsonWriter json, FunctionLibraries functions)
    {
        json.WriteStartArray("libraries");
        foreach (var name in functions.Names) json.WriteStringValue(name);
        json.WriteEndArray();
        json.WriteBase64String("dump", functions.Payload);
    }

    /// <summary>Parses and checks a functions record; throws <see cref="FormatException"/> on anything wrong.</summary>
    public static FunctionLibraries Parse(ReadOnlySpan<byte> line)
    {
        var r = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 8 });
        try
        {
            Next(ref r, JsonTokenType.StartObject, "a record object");
            Next(ref r, JsonTokenType.PropertyName, "the \"rec\" property");
            if (!r.ValueTextEquals(KeyFileFormat.RecordProperty)) throw new FormatException("The record does not start with \"rec\".");
            Next(ref r, JsonTokenType.String, "the record kind");
            if (!r.ValueTextEquals(Kind)) throw new FormatException($"Expected the functions record the header announces, found a '{r.GetString()}' record.");
            List<string>? names = null;
            byte[]? payload = null;
            while (Read(ref r) != JsonTokenType.EndObject)
            {
                if (r.ValueTextEquals("libraries"))
                {
                    Next(ref r, JsonTokenType.StartArray, "the list of library names");
                    names = [];
                    while (Read(ref r) != JsonTokenType.EndArray)
                    {
                        if (r.TokenType != JsonTokenType.String) throw new FormatException("A library name is not a string.");
                        names.Add(r.GetString()!);
                    }
                }
                else if (r.ValueTextEquals("dump"))
                {
                    Next(ref r, JsonTokenType.String, "a base64 FUNCTION DUMP payload");
                    payload = r.GetBytesFromBase64();
                }
                else
                {
                    Read(ref r);
                    r.Skip(); // properties of a newer minor version
                }
            }
            if (r.Read()) throw new FormatException("Extra data after the record.");
            if (names is null || payload is null) throw new FormatException("The functions record lacks \"libraries\" or \"dump\".");
            var functions = FunctionLibraries.FromPayload(payload);
            if (!functions.Names.SequenceEqual(names, StringComparer.Ordinal))
                throw new FormatException($"The functions record names {names.Count} libraries ({string.Join(", ", names)}) but its payload holds {functions.Count} ({string.Join(", ", functions.Names)}).");
            return functions;
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

    private static JsonTokenType Read(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new FormatException("The record ends too early.");
        return r.TokenType;
    }

    private static void Next(ref Utf8JsonReader r, JsonTokenType expected, string what)
    {
        if (Read(ref r) != expected) throw new FormatException($"Expected {what}, found {r.TokenType}.");
    }
}
