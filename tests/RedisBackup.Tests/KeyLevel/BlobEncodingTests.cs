using System.Text;
using System.Text.Json;
using RedisBackup.Engine.Formats;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>
/// A blob is a JSON string only while that is not longer than base64 (issue 9 item 15): JSON escapes a control byte as
/// six, so a mostly-zero value (a bitmap) used to grow sixfold in its record, in the check that reads it back and in the
/// restore's parser. Every form reads back byte for byte, old files' escaped strings included.
/// </summary>
public class BlobEncodingTests
{
    private static (string Line, KeyRecord Parsed) RoundTrip(byte[] value)
    {
        using var ms = new MemoryStream();
        using (var writer = new KeyRecordWriter(ms))
        {
            var record = new KeyRecord { Database = 0, Key = "k"u8.ToArray(), Type = "string" };
            record.Items.Add(value);
            writer.WriteKey(record);
            writer.FlushAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
        var line = ms.ToArray().AsSpan()[..^1];
        KeyRecordParser.Parse(line, out _, out var parsed, out _);
        KeyRecordParser.Parse(line, out _, out _, out _, checkOnly: true);
        return (Encoding.UTF8.GetString(line), parsed!);
    }

    private static JsonElement Value(string line) => JsonDocument.Parse(line).RootElement.GetProperty("value").Clone();

    [Theory]
    [InlineData(1 << 20)]
    [InlineData(100)]
    public void A_value_of_zero_bytes_is_base64_and_never_longer_than_four_thirds(int size)
    {
        var zeros = new byte[size];
        var (line, parsed) = RoundTrip(zeros);
        Assert.Equal(zeros, parsed.Items[0]);
        Assert.Equal(JsonValueKind.Object, Value(line).ValueKind);
        Assert.True(line.Length <= size * 4 / 3 + 80, $"{line.Length} bytes for {size}");
    }

    [Fact]
    public void A_mostly_zero_bitmap_with_some_bits_set_is_base64()
    {
        var bitmap = new byte[1 << 20];
        for (var i = 0; i < bitmap.Length; i += 4096) bitmap[i] = 0x41;
        var (line, parsed) = RoundTrip(bitmap);
        Assert.Equal(bitmap, parsed.Items[0]);
        Assert.Equal(JsonValueKind.Object, Value(line).ValueKind);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1 << 20)]
    public void Text_with_some_escapes_stays_a_string_exactly_as_long_as_counted(int size)
    {
        var text = new StringBuilder();
        var rnd = new Random(size);
        while (text.Length < size) text.Append(rnd.Next(8) switch { 0 => "\"quoted\"", 1 => "back\\slash", 2 => "line\n", 3 => "tab\t", 4 => "nul\0", 5 => "é–日本", _ => "plain text " });
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var (line, parsed) = RoundTrip(bytes);
        Assert.Equal(bytes, parsed.Items[0]);
        var value = Value(line);
        Assert.Equal(JsonValueKind.String, value.ValueKind);
        Assert.Equal(text.ToString(), value.GetString());
        if (size > JsonBlobText.SmallBlob)
        {
            // The long form is written by JsonBlobText: its counted length is what the line holds.
            var prefix = "{\"rec\":\"key\",\"db\":0,\"key\":\"k\",\"type\":\"string\",\"value\":".Length;
            Assert.Equal(JsonBlobText.TokenLength(bytes)!.Value, Encoding.UTF8.GetByteCount(line) - prefix - 1);
        }
    }

    [Fact]
    public void Invalid_utf8_is_base64_and_valid_utf8_without_escapes_is_text()
    {
        var binary = new byte[3000];
        new Random(5).NextBytes(binary);
        binary[0] = 0xFF;
        Assert.Equal(JsonValueKind.Object, Value(RoundTrip(binary).Line).ValueKind);
        var plain = Encoding.UTF8.GetBytes(new string('a', 2 << 20));
        var (line, parsed) = RoundTrip(plain);
        Assert.Equal(plain, parsed.Items[0]);
        Assert.Equal(JsonValueKind.String, Value(line).ValueKind);
        Assert.Equal(plain.Length + 2, JsonBlobText.TokenLength(plain));
    }

    [Fact]
    public void Escaped_strings_of_older_files_read_back_byte_for_byte()
    {
        // What earlier writers produced for control bytes: \u0000 escapes (six bytes each).
        var value = new byte[200_000];
        value[7] = 1;
        value[199_999] = (byte)'"';
        var escaped = new StringBuilder("{\"rec\":\"key\",\"db\":0,\"key\":\"k\",\"type\":\"string\",\"value\":\"");
        foreach (var b in value) escaped.Append(b == '"' ? "\\\"" : $"\\u{b:x4}");
        escaped.Append("\"}");
        var line = Encoding.UTF8.GetBytes(escaped.ToString());
        KeyRecordParser.Parse(line, out _, out var parsed, out _);
        Assert.Equal(value, parsed!.Items[0]);
        KeyRecordParser.Parse(line, out _, out var checkedOnly, out _, checkOnly: true);
        Assert.Empty(checkedOnly!.Items);
    }

    [Fact]
    public async Task A_line_longer_than_the_reader_takes_is_refused_not_held()
    {
        // A stream that never ends a line (a gzip bomb inflates to that): the reader stops at its limit.
        var reader = new LineReader(new MemoryStream(new byte[1 << 20]), initialSize: 1024, maxLineLength: 64 * 1024);
        var error = await Assert.ThrowsAsync<LineTooLongException>(async () => await reader.ReadLineAsync(CancellationToken.None));
        Assert.Equal(64 * 1024, error.Limit);

        var lines = new LineReader(new MemoryStream(Encoding.ASCII.GetBytes(new string('x', 60_000) + "\nshort\n")), initialSize: 1024, maxLineLength: 64 * 1024);
        Assert.Equal(60_000, (await lines.ReadLineAsync(CancellationToken.None))!.Value.Line.Length);
        Assert.Equal(5, (await lines.ReadLineAsync(CancellationToken.None))!.Value.Line.Length);
    }
}
