using System.Text;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Tests.Redis;

/// <summary>The RESP reader on inline bytes, with no server: every frame split at every possible point.</summary>
public class RespReaderTests
{
    private static async Task<List<RespValue>> ReadAll(string wire, int chunk, int count)
    {
        var reader = new RespReader(new ChunkedStream(Encoding.Latin1.GetBytes(wire), chunk), bufferSize: 16);
        var list = new List<RespValue>();
        for (var i = 0; i < count; i++) list.Add(await reader.ReadAsync());
        return list;
    }

    public static TheoryData<int> Chunks => new() { 1, 2, 3, 7, 64, 4096 };

    [Theory]
    [MemberData(nameof(Chunks))]
    public async Task Reads_every_reply_type_split_anywhere(int chunk)
    {
        var wire = "+OK\r\n-ERR bad thing\r\n:-42\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n"
                   + "*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n+x\r\n";
        var r = await ReadAll(wire, chunk, 9);
        Assert.Equal(RespType.SimpleString, r[0].Type);
        Assert.Equal("OK", r[0].AsString());
        Assert.True(r[1].IsError);
        Assert.Equal("ERR bad thing", r[1].AsString());
        Assert.Equal(-42, r[2].Integer);
        Assert.Equal("hello", r[3].AsString());
        Assert.Empty(r[4].Bytes!);
        Assert.True(r[5].IsNull);
        Assert.True(r[6].IsNull);
        Assert.Empty(r[7].Items!);
        var nested = r[8].Items!;
        Assert.Equal(3, nested.Length);
        Assert.Equal(1, nested[0].Integer);
        Assert.Equal("a", nested[1].Items![0].AsString());
        Assert.True(nested[1].Items![1].IsNull);
        Assert.Equal("x", nested[2].AsString());
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public async Task Bulk_strings_are_binary_safe(int chunk)
    {
        var payload = new byte[] { 0, 13, 10, 255, 0xC3, 0x28, 13, 10, 36 };
        var wire = new List<byte>();
        wire.AddRange(Encoding.ASCII.GetBytes($"${payload.Length}\r\n"));
        wire.AddRange(payload);
        wire.AddRange("\r\n"u8.ToArray());
        var reader = new RespReader(new ChunkedStream(wire.ToArray(), chunk), bufferSize: 16);
        var v = await reader.ReadAsync();
        Assert.Equal(payload, v.Bytes);
    }

    [Fact]
    public async Task Reads_a_bulk_string_larger_than_the_buffer()
    {
        var payload = new byte[3_000_000];
        new Random(7).NextBytes(payload);
        var wire = Encoding.ASCII.GetBytes($"${payload.Length}\r\n").Concat(payload).Concat("\r\n"u8.ToArray()).ToArray();
        var reader = new RespReader(new ChunkedStream(wire, 65_536), bufferSize: 1024);
        Assert.Equal(payload, (await reader.ReadAsync()).Bytes);
    }

    [Theory]
    [InlineData("$99999999999\r\n", "out of range")]
    [InlineData("$-5\r\n", "out of range")]
    [InlineData("*-2\r\n", "out of range")]
    [InlineData("*99999999999\r\n", "out of range")]
    [InlineData("$abc\r\n", "Invalid bulk length")]
    [InlineData(":12x\r\n", "Invalid integer")]
    [InlineData("!3\r\nabc\r\n", "Unknown reply type")]
    [InlineData("$3\r\nabcXY", "not followed by CRLF")]
    public async Task Malformed_input_is_a_protocol_error(string wire, string expected)
    {
        var reader = new RespReader(new ChunkedStream(Encoding.ASCII.GetBytes(wire), 3));
        var ex = await Assert.ThrowsAsync<RedisBackupException>(async () => await reader.ReadAsync());
        Assert.Equal(ErrorKind.ProtocolError, ex.Kind);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("$10\r\nabc")]
    [InlineData("*2\r\n:1\r\n")]
    [InlineData("+OK")]
    public async Task A_truncated_reply_is_a_closed_connection(string wire)
    {
        var reader = new RespReader(new ChunkedStream(Encoding.ASCII.GetBytes(wire), 2));
        var ex = await Assert.ThrowsAsync<RedisBackupException>(async () => await reader.ReadAsync());
        Assert.Equal("RedisConnectionClosed", ex.ErrorId);
    }

    [Fact]
    public async Task Deep_nesting_is_refused()
    {
        var wire = string.Concat(Enumerable.Repeat("*1\r\n", 100)) + ":1\r\n";
        var reader = new RespReader(new ChunkedStream(Encoding.ASCII.GetBytes(wire), 4096));
        var ex = await Assert.ThrowsAsync<RedisBackupException>(async () => await reader.ReadAsync());
        Assert.Contains("nesting", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lines_and_raw_bytes_can_be_mixed_with_replies()
    {
        // The SYNC download reads keepalive newlines, a $len line, then raw bytes.
        var reader = new RespReader(new ChunkedStream("\n\n$4\r\nABCD+OK\r\n"u8.ToArray(), 3), bufferSize: 16);
        Assert.Empty(await reader.ReadLineAsync());
        Assert.Empty(await reader.ReadLineAsync());
        Assert.Equal("$4", Encoding.ASCII.GetString(await reader.ReadLineAsync()));
        var raw = new byte[4];
        await reader.ReadExactlyAsync(raw);
        Assert.Equal("ABCD", Encoding.ASCII.GetString(raw));
        Assert.Equal("OK", (await reader.ReadAsync()).AsString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    public void Blocking_line_reads_match_the_async_ones(int chunk)
    {
        // Keepalives, a line longer than the initial buffer, a bare LF, then a reply and raw bytes after the lines.
        var longLine = new string('x', 40);
        var reader = new RespReader(new ChunkedStream(Encoding.ASCII.GetBytes($"\n\r\n${longLine}\r\nplain\n+OK\r\nRAW"), chunk), bufferSize: 16);
        Assert.Empty(reader.ReadLine());
        Assert.Empty(reader.ReadLine());
        Assert.Equal("$" + longLine, Encoding.ASCII.GetString(reader.ReadLine()));
        Assert.Equal("plain", Encoding.ASCII.GetString(reader.ReadLine()));
        Assert.Equal("OK", reader.Read().AsString());
        var raw = new byte[8];
        var n = 0;
        while (reader.ReadSome(raw.AsSpan(n)) is var got and > 0) n += got;
        Assert.Equal("RAW", Encoding.ASCII.GetString(raw, 0, n));
    }

    [Fact]
    public void A_blocking_line_read_refuses_an_endless_line_and_a_truncated_one()
    {
        var endless = new RespReader(new ChunkedStream(new byte[200_000], 4096));
        var tooLong = Assert.Throws<RedisBackupException>(() => endless.ReadLine());
        Assert.Equal(ErrorKind.ProtocolError, tooLong.Kind);

        var cut = new RespReader(new ChunkedStream("$12"u8.ToArray(), 2));
        var truncated = Assert.Throws<RedisBackupException>(() => cut.ReadLine());
        Assert.Equal("RedisConnectionClosed", truncated.ErrorId);
    }

    [Fact]
    public async Task A_buffered_reply_is_taken_without_the_stream_and_a_partial_one_is_left_whole()
    {
        // Two replies and the first half of a third arrive in one read.
        var first = Encoding.Latin1.GetBytes(":7\r\n*2\r\n$2\r\nab\r\n+c\r\n*2\r\n$3\r\nxy");
        var rest = Encoding.Latin1.GetBytes("z\r\n:9\r\n");
        var stream = new ChunkedStream([.. first, .. rest], first.Length);
        var reader = new RespReader(stream);
        Assert.False(reader.TryReadBuffered(out _)); // nothing read yet
        Assert.Equal(7, (await reader.ReadAsync()).Integer);
        Assert.True(reader.TryReadBuffered(out var second));
        Assert.Equal("ab", second.Items![0].AsString());
        Assert.Equal("c", second.Items![1].AsString());
        var before = reader.Buffered;
        Assert.False(reader.TryReadBuffered(out _));
        Assert.Equal(before, reader.Buffered); // a partial reply is not consumed
        var third = await reader.ReadAsync();
        Assert.Equal("xyz", third.Items![0].AsString());
        Assert.Equal(9, third.Items![1].Integer);
    }

    [Fact]
    public async Task A_buffered_protocol_error_is_reported()
    {
        var reader = new RespReader(new ChunkedStream(Encoding.Latin1.GetBytes(":1\r\n$3\r\nabcXY"), 64));
        Assert.Equal(1, (await reader.ReadAsync()).Integer);
        var ex = Assert.Throws<RedisBackupException>(() => reader.TryReadBuffered(out _));
        Assert.Equal(ErrorKind.ProtocolError, ex.Kind);
    }
}
