using System.Text;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Tests.Docker;

public class DockerStreamDemultiplexerTests
{
    private static byte[] Frame(byte stream, string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var frame = new byte[8 + payload.Length];
        frame[0] = stream;
        frame[4] = (byte)(payload.Length >> 24);
        frame[5] = (byte)(payload.Length >> 16);
        frame[6] = (byte)(payload.Length >> 8);
        frame[7] = (byte)payload.Length;
        payload.CopyTo(frame, 8);
        return frame;
    }

    /// <summary>A stream that hands out at most a few bytes per read, so frames arrive split.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task Frames_go_to_their_streams_in_order(int chunk)
    {
        byte[] input = [.. Frame(1, "out-1 "), .. Frame(2, "err-1"), .. Frame(1, "out-2"), .. Frame(0, "stdin-echo"), .. Frame(1, "")];
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        await DockerStreamDemultiplexer.DemultiplexAsync(new TrickleStream(input, chunk), stdout, stderr, CancellationToken.None);
        Assert.Equal("out-1 out-2", Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal("err-1", Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Fact]
    public async Task Large_frame_is_copied_whole()
    {
        var big = new string('x', 300_000);
        using var stdout = new MemoryStream();
        await DockerStreamDemultiplexer.DemultiplexAsync(new MemoryStream(Frame(1, big)), stdout, Stream.Null, CancellationToken.None);
        Assert.Equal(300_000, stdout.Length);
    }

    [Fact]
    public async Task Truncated_payload_is_an_error()
    {
        var frame = Frame(1, "hello world");
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() =>
            DockerStreamDemultiplexer.DemultiplexAsync(new MemoryStream(frame[..^3]), Stream.Null, Stream.Null, CancellationToken.None));
        Assert.Equal("DockerStreamInvalid", ex.ErrorId);
        Assert.Contains("3 bytes", ex.Message);
    }

    [Fact]
    public async Task Truncated_header_and_bad_stream_number_are_errors()
    {
        await Assert.ThrowsAsync<RedisBackupException>(() =>
            DockerStreamDemultiplexer.DemultiplexAsync(new MemoryStream([1, 0, 0]), Stream.Null, Stream.Null, CancellationToken.None));
        var raw = Encoding.ASCII.GetBytes("plain tty output\n");
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() =>
            DockerStreamDemultiplexer.DemultiplexAsync(new MemoryStream(raw), Stream.Null, Stream.Null, CancellationToken.None));
        Assert.Equal(ErrorKind.ProtocolError, ex.Kind);
    }

    [Fact]
    public async Task Empty_stream_is_no_output()
    {
        using var stdout = new MemoryStream();
        await DockerStreamDemultiplexer.DemultiplexAsync(new MemoryStream(), stdout, Stream.Null, CancellationToken.None);
        Assert.Equal(0, stdout.Length);
    }
}
