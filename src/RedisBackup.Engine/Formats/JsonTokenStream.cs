using System.Text.Json;

namespace RedisBackup.Engine.Formats;

/// <summary>
/// Pulls JSON tokens one at a time from a stream of any size, with <see cref="Utf8JsonReader"/> over a buffer window
/// that is refilled (and grown only as far as the longest single token). Used for the seed service's single-object files.
/// </summary>
internal sealed class JsonTokenStream(Stream stream, int initialSize = 1 << 20)
{
    private byte[] _buffer = new byte[initialSize];
    private int _start;
    private int _end;
    private bool _eof;
    private JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = 64 });

    public JsonTokenType TokenType { get; private set; } = JsonTokenType.None;

    /// <summary>Unescaped UTF-8 of a string or property name; the raw text of a number; null otherwise.</summary>
    public byte[]? Value { get; private set; }

    /// <summary>Bytes consumed so far.</summary>
    public long Position { get; private set; }

    /// <summary>Reads the next token; false at the end of the document.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken ct)
    {
        while (true)
        {
            if (TryRead()) return true;
            if (_eof)
            {
                if (_rootDone) return false;
                throw new FormatException($"The JSON ends too early (after {Position} bytes).");
            }
            await FillAsync(ct).ConfigureAwait(false);
        }
    }

    private bool _rootDone;

    private bool TryRead()
    {
        // Never a final block: the seed root is an object, so running out of data mid-token means the file was cut off.
        var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), isFinalBlock: false, _state);
        bool ok;
        try
        {
            ok = reader.Read();
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Invalid JSON near byte {Position + reader.BytesConsumed}: {ex.Message}", ex);
        }
        if (!ok) return false;
        TokenType = reader.TokenType;
        Value = reader.TokenType switch
        {
            JsonTokenType.String or JsonTokenType.PropertyName => KeyRecordParser.StringBytes(ref reader),
            JsonTokenType.Number => reader.ValueSpan.ToArray(),
            _ => null,
        };
        _rootDone = reader.CurrentDepth == 0 && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray);
        _start += (int)reader.BytesConsumed;
        Position += reader.BytesConsumed;
        _state = reader.CurrentState;
        return true;
    }

    private async ValueTask FillAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, checked(_buffer.Length * 2));
        var n = await stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
        if (n == 0) _eof = true;
        else _end += n;
    }

    /// <summary>Skips the value whose first token was just read (a scalar, or a whole object/array).</summary>
    public async ValueTask SkipValueAsync(CancellationToken ct)
    {
        if (TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray)) return;
        var depth = 1;
        while (depth > 0)
        {
            if (!await ReadAsync(ct).ConfigureAwait(false)) throw new FormatException("The JSON ends inside a value.");
            if (TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) depth++;
            else if (TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray) depth--;
        }
    }
}
