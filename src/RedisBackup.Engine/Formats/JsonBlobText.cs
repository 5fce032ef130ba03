using System.Buffers;
using System.Text.Json;

namespace RedisBackup.Engine.Formats;

/// <summary>
/// The JSON string form of a blob, sized before it is written. JSON escapes control bytes as <c>\u00XX</c> (six bytes
/// for one), so a value of mostly zero bytes (a bitmap) would grow sixfold as text, and System.Text.Json reserves six
/// bytes per input byte for any value that needs one escape. Here the exact length of the escaped text is counted first:
/// when it is longer than the base64 form, the blob is written as <c>{"b64":…}</c> instead (4/3 of its size); a long
/// text is escaped into a pooled buffer of exactly that length and written as it is. Only what JSON requires is escaped
/// (<c>"</c>, <c>\</c> and bytes below 0x20); every other byte is valid UTF-8 and stays as it is.
/// </summary>
internal static class JsonBlobText
{
    /// <summary>Blobs up to this size go through the JSON writer's own escaping (its buffers for them are small).</summary>
    public const int SmallBlob = 4096;

    private static readonly SearchValues<byte> Escaped = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, (byte)'"', (byte)'\\']);

    /// <summary>The length of <c>{"b64":"…"}</c> for a blob of <paramref name="length"/> bytes.</summary>
    public static long Base64FormLength(long length) => (length + 2) / 3 * 4 + 10;

    /// <summary>
    /// The length of the JSON string token (quotes included) of valid UTF-8 <paramref name="utf8"/>, or null when it is
    /// longer than its base64 form, so the blob should be written as base64.
    /// </summary>
    public static long? TokenLength(ReadOnlySpan<byte> utf8)
    {
        var limit = Base64FormLength(utf8.Length);
        long length = utf8.Length + 2;
        var rest = utf8;
        while (true)
        {
            var at = rest.IndexOfAny(Escaped);
            if (at < 0) return length;
            length += EscapeLength(rest[at]) - 1;
            if (length > limit) return null;
            rest = rest[(at + 1)..];
        }
    }

    /// <summary>Writes the string token of <paramref name="utf8"/> (valid UTF-8; <paramref name="length"/> from <see cref="TokenLength"/>) as a raw JSON value.</summary>
    public static void WriteToken(Utf8JsonWriter json, ReadOnlySpan<byte> utf8, long length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(checked((int)length));
        try
        {
            var token = buffer.AsSpan(0, (int)length);
            token[0] = (byte)'"';
            var at = 1;
            var rest = utf8;
            while (true)
            {
                var next = rest.IndexOfAny(Escaped);
                var run = next < 0 ? rest : rest[..next];
                run.CopyTo(token[at..]);
                at += run.Length;
                if (next < 0) break;
                at += WriteEscape(rest[next], token[at..]);
                rest = rest[(next + 1)..];
            }
            token[at++] = (byte)'"';
            if (at != token.Length) throw new InvalidOperationException($"A JSON string came out {at} bytes long where {token.Length} were counted.");
            json.WriteRawValue(token, skipInputValidation: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int EscapeLength(byte b) => b switch
    {
        (byte)'"' or (byte)'\\' or (byte)'\b' or (byte)'\f' or (byte)'\n' or (byte)'\r' or (byte)'\t' => 2,
        _ => 6,
    };

    private static int WriteEscape(byte b, Span<byte> to)
    {
        to[0] = (byte)'\\';
        switch (b)
        {
            case (byte)'"': to[1] = (byte)'"'; return 2;
            case (byte)'\\': to[1] = (byte)'\\'; return 2;
            case (byte)'\b': to[1] = (byte)'b'; return 2;
            case (byte)'\f': to[1] = (byte)'f'; return 2;
            case (byte)'\n': to[1] = (byte)'n'; return 2;
            case (byte)'\r': to[1] = (byte)'r'; return 2;
            case (byte)'\t': to[1] = (byte)'t'; return 2;
        }
        to[1] = (byte)'u';
        to[2] = (byte)'0';
        to[3] = (byte)'0';
        to[4] = (byte)"0123456789abcdef"[b >> 4];
        to[5] = (byte)"0123456789abcdef"[b & 0xF];
        return 6;
    }
}
