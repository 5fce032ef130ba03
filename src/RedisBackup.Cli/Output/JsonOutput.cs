using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace RedisBackup.Cli.Output;

/// <summary>The one JSON shape the CLI prints: camelCase fields, enums as camelCase strings, indented.</summary>
internal static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Scripts read this, not browsers: keep quotes and non-ASCII readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static JsonNode ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Options) ?? throw new InvalidOperationException("A result serialized to null.");

    public static void Write<T>(TextWriter writer, T value)
    {
        writer.WriteLine(JsonSerializer.Serialize(value, Options));
        writer.Flush();
    }

    public static void Write(TextWriter writer, JsonNode node)
    {
        writer.WriteLine(node.ToJsonString(Options));
        writer.Flush();
    }

    /// <summary>An enum value as it appears in JSON, e.g. ErrorKind.AuthenticationFailed → "authenticationFailed".</summary>
    public static string EnumName<TEnum>(TEnum value) where TEnum : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
}
