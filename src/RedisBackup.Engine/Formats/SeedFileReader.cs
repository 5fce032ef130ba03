using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Formats;

/// <summary>
/// Streams the seed service's backup format: one JSON object {"timestamp","created_at","data":{key:{"type","value","ttl"}}}
/// with the TTL in relative seconds (null or negative: none). Keys go to database 0. Nothing is loaded whole: a big
/// value becomes several chunk records, the last of which carries the TTL (it follows the value in the seed's files).
/// Zsets are read as {member: score} or [[member, score], …]; scores that are JSON numbers keep their exact text.
/// </summary>
internal sealed class SeedFileReader(Stream plain)
{
    private readonly JsonTokenStream _json = new(plain);

    public DateTimeOffset? CreatedAt { get; private set; }

    public async IAsyncEnumerable<KeyRecord> ReadAsync([EnumeratorCancellation] CancellationToken ct)
    {
        if (!await _json.ReadAsync(ct).ConfigureAwait(false) || _json.TokenType != JsonTokenType.StartObject)
            throw new FormatException("The file is not a JSON object.");
        var sawData = false;
        while (await NextAsync(ct).ConfigureAwait(false) != JsonTokenType.EndObject)
        {
            var name = Text(_json.Value);
            await NextAsync(ct).ConfigureAwait(false);
            if (name == "data")
            {
                if (_json.TokenType != JsonTokenType.StartObject) throw new FormatException("\"data\" is not an object.");
                sawData = true;
                while (await NextAsync(ct).ConfigureAwait(false) != JsonTokenType.EndObject)
                {
                    var key = _json.Value!;
                    await foreach (var record in ReadKeyAsync(key, ct).ConfigureAwait(false)) yield return record;
                }
            }
            else if (name == "created_at" && _json.TokenType == JsonTokenType.String)
            {
                if (DateTimeOffset.TryParse(Text(_json.Value), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)) CreatedAt = created;
            }
            else
            {
                await _json.SkipValueAsync(ct).ConfigureAwait(false);
            }
        }
        if (await _json.ReadAsync(ct).ConfigureAwait(false)) throw new FormatException("Extra data after the JSON object.");
        if (!sawData) throw new FormatException("The JSON object has no \"data\" object, so it is not a seed-service backup.");
    }

    private async IAsyncEnumerable<KeyRecord> ReadKeyAsync(byte[] key, [EnumeratorCancellation] CancellationToken ct)
    {
        if (await NextAsync(ct).ConfigureAwait(false) != JsonTokenType.StartObject) throw new FormatException($"The entry of key '{Describe(key)}' is not an object.");
        string? type = null;
        var current = new KeyRecord { Key = key };
        var chunk = 0;
        var sawValue = false;
        long? ttlMs = null;
        while (await NextAsync(ct).ConfigureAwait(false) != JsonTokenType.EndObject)
        {
            var name = Text(_json.Value);
            var token = await NextAsync(ct).ConfigureAwait(false);
            switch (name)
            {
                case "type":
                    type = Text(_json.Value);
                    current.Type = type;
                    break;
                case "ttl":
                    if (token == JsonTokenType.Number && double.TryParse(Text(_json.Value), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
                        ttlMs = (long)Math.Ceiling(seconds * 1000);
                    break;
                case "value":
                    sawValue = true;
                    if (token is JsonTokenType.String or JsonTokenType.Number)
                    {
                        current.Items.Add(_json.Value!);
                        type ??= "string";
                        current.Type = type;
                        break;
                    }
                    if (token == JsonTokenType.StartObject)
                    {
                        // hash {field: value} or zset {member: score}: flat pairs either way.
                        while (await NextAsync(ct).ConfigureAwait(false) != JsonTokenType.EndObject)
                        {
                            current.Items.Add(_json.Value!);
                            var v = await NextAsync(ct).ConfigureAwait(false);
                            current.Items.Add(Scalar(v, key));
                            if (type is not null && current.Items.Count >= 2 * KeyRecord.ChunkElements)
                            {
                                yield return Emit(ref current, ref chunk, key, type);
                            }
                        }
                        type ??= "hash";
                        current.Type = type;
                        break;
                    }
                    if (token == JsonTokenType.StartArray)
                    {
                        while (await NextAsync(ct).ConfigureAwait(false) != JsonTokenType.EndArray)
                        {
                            if (_json.TokenType == JsonTokenType.StartArray)
                            {
                                // [member, score] pair of a zset
                                await NextAsync(ct).ConfigureAwait(false);
                                current.Items.Add(Scalar(_json.TokenType, key));
                                await NextAsync(ct).ConfigureAwait(false);
                                current.Items.Add(Scalar(_json.TokenType, key));
                                if (await NextAsync(ct).ConfigureAwait(false) != JsonTokenType.EndArray)
                                    throw new FormatException($"A zset entry of key '{Describe(key)}' is not a [member, score] pair.");
                                type ??= "zset";
                            }
                            else
                            {
                                current.Items.Add(Scalar(_json.TokenType, key));
                            }
                            var limit = RedisKeyTypes.Parse(type) is RedisKeyType.ZSet or RedisKeyType.Hash ? 2 * KeyRecord.ChunkElements : KeyRecord.ChunkElements;
                            if (type is not null && current.Items.Count >= limit)
                            {
                                yield return Emit(ref current, ref chunk, key, type);
                            }
                        }
                        type ??= "list";
                        current.Type = type;
                        break;
                    }
                    if (token == JsonTokenType.Null) throw new FormatException($"Key '{Describe(key)}' has a null value.");
                    throw new FormatException($"Key '{Describe(key)}' has a value of an unexpected JSON kind ({token}).");
                default:
                    await _json.SkipValueAsync(ct).ConfigureAwait(false);
                    break;
            }
        }
        if (!sawValue || type is null) throw new FormatException($"Key '{Describe(key)}' has no type or no value.");
        if (!RedisKeyTypes.Parse(type).IsLogical())
            throw new FormatException($"Key '{Describe(key)}' has type '{type}', which the seed format does not carry.");
        if (RedisKeyTypes.Parse(type) == RedisKeyType.String && current.Items.Count != 1) throw new FormatException($"String key '{Describe(key)}' does not hold one value.");
        current.Type = type;
        current.Chunk = chunk;
        current.More = false;
        current.TtlMs = ttlMs;
        yield return current;
    }

    private static KeyRecord Emit(ref KeyRecord current, ref int chunk, byte[] key, string type)
    {
        var full = current;
        full.Type = type;
        full.Chunk = chunk++;
        full.More = true;
        current = new KeyRecord { Key = key, Type = type };
        return full;
    }

    private byte[] Scalar(JsonTokenType token, byte[] key) => token switch
    {
        JsonTokenType.String or JsonTokenType.Number => _json.Value!,
        JsonTokenType.True => "1"u8.ToArray(),
        JsonTokenType.False => "0"u8.ToArray(),
        _ => throw new FormatException($"Key '{Describe(key)}' holds a {token} where a string or number was expected."),
    };

    private async ValueTask<JsonTokenType> NextAsync(CancellationToken ct)
    {
        if (!await _json.ReadAsync(ct).ConfigureAwait(false)) throw new FormatException("The JSON ends too early.");
        return _json.TokenType;
    }

    private static string Text(byte[]? utf8) => utf8 is null ? "" : Encoding.UTF8.GetString(utf8);

    internal static string Describe(byte[] key) => Encoding.UTF8.GetString(key, 0, Math.Min(key.Length, 100));
}
