using RedisBackup.Engine.Rdb;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Rdb;

/// <summary>The reader over awkward streams: tiny partial reads, progress reports, cancellation.</summary>
public class RdbStreamingTests
{
    /// <summary>Returns at most a few bytes per read, like a slow socket.</summary>
    private sealed class TrickleStream(byte[] data) : Stream
    {
        private int _pos;
        private int _turn;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(buffer.Length, 1 + (_turn++ % 7)), data.Length - _pos);
            data.AsSpan(_pos, n).CopyTo(buffer);
            _pos += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _pos; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class Recorder : IProgress<long>
    {
        public List<long> Values { get; } = [];
        public void Report(long value) => Values.Add(value);
    }

    [Fact]
    public async Task Partial_reads_give_the_same_entries_as_whole_reads()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        await RdbTestSupport.PopulateAllTypesAsync(c);
        var bytes = await File.ReadAllBytesAsync(await RdbTestSupport.SaveAsync(c));

        var whole = new RdbReader(new MemoryStream(bytes));
        var trickle = new RdbReader(new TrickleStream(bytes));
        var count = 0;
        while (await whole.ReadNextAsync() is { } expected)
        {
            var actual = await trickle.ReadNextAsync();
            Assert.NotNull(actual);
            Assert.Equal(expected.Key, actual.Key);
            Assert.Equal(expected.Value, actual.Value);
            Assert.Equal(expected.Offset, actual.Offset);
            Assert.Equal(expected.ExpireAtMs, actual.ExpireAtMs);
            count++;
        }
        Assert.Null(await trickle.ReadNextAsync());
        Assert.Equal(whole.Summary.Keys, trickle.Summary.Keys);
        Assert.Equal(bytes.Length, trickle.Summary.Bytes);
        Assert.True(count > 30);
        Assert.Contains(await Entries(bytes), e => e.Value!.Length > 3_000_000);
    }

    private static async Task<List<RdbEntry>> Entries(byte[] bytes)
    {
        var reader = new RdbReader(new MemoryStream(bytes));
        var list = new List<RdbEntry>();
        while (await reader.ReadNextAsync() is { } e) list.Add(e);
        return list;
    }

    [Fact]
    public async Task Progress_rises_to_the_file_length_and_cancellation_stops_the_walk()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        await RdbTestSupport.PopulateAllTypesAsync(c);
        var bytes = await File.ReadAllBytesAsync(await RdbTestSupport.SaveAsync(c));

        var progress = new Recorder();
        await RdbVerifier.VerifyAsync(new MemoryStream(bytes), bytesRead: progress);
        Assert.True(progress.Values.Count >= 2);
        Assert.Equal(bytes.Length, progress.Values[^1]);
        Assert.Equal(progress.Values.Order(), progress.Values);

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RdbVerifier.VerifyAsync(new MemoryStream(bytes), cancellationToken: cancelled.Token));
    }
}
