using System.Text;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Tests.Redis;

public class RespWriterTests
{
    [Fact]
    public async Task Encodes_commands_as_arrays_of_bulk_strings()
    {
        using var ms = new MemoryStream();
        var w = new RespWriter(ms);
        w.WriteCommand(["SET", new byte[] { 0, 13, 10 }, 42L]);
        w.WriteCommand(["GET", ""]);
        await w.FlushAsync();
        Assert.Equal("*3\r\n$3\r\nSET\r\n$3\r\n\0\r\n\r\n$2\r\n42\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n", Encoding.Latin1.GetString(ms.ToArray()));
        Assert.Equal(0, w.Pending);
    }

    [Fact]
    public async Task Large_arguments_keep_their_order_and_round_trip_through_the_reader()
    {
        var big = new byte[200_000];
        new Random(1).NextBytes(big);
        using var ms = new MemoryStream();
        var w = new RespWriter(ms);
        w.WriteCommand(["A", big, "tail"]);
        w.WriteCommand(["B"]);
        await w.FlushAsync();

        // Parse it back: a command is an array reply as far as the reader is concerned.
        ms.Position = 0;
        var reader = new RespReader(ms);
        var first = (await reader.ReadAsync()).Items!;
        Assert.Equal("A", first[0].AsString());
        Assert.Equal(big, first[1].Bytes);
        Assert.Equal("tail", first[2].AsString());
        Assert.Equal("B", (await reader.ReadAsync()).Items![0].AsString());
    }

    [Fact]
    public async Task Text_and_numbers_are_encoded_in_place()
    {
        using var ms = new MemoryStream();
        var w = new RespWriter(ms);
        w.WriteCommand(["ZADD", "clé", -1234567890123L, 0, int.MinValue, long.MaxValue]);
        var expected = "*6\r\n$4\r\nZADD\r\n$4\r\nclé\r\n$14\r\n-1234567890123\r\n$1\r\n0\r\n$11\r\n-2147483648\r\n$19\r\n9223372036854775807\r\n";
        Assert.Equal(Encoding.UTF8.GetByteCount(expected), w.Pending);
        await w.FlushAsync();
        Assert.Equal(expected, Encoding.UTF8.GetString(ms.ToArray()));
        RedisArg text = "é";
        RedisArg number = 42;
        Assert.Equal("é"u8.ToArray(), text.Bytes.ToArray());
        Assert.Equal("42"u8.ToArray(), number.Bytes.ToArray());
    }
}
