using System.Security.Cryptography;
using RedisBackup.Engine.IO;

namespace RedisBackup.Tests.IO;

/// <summary>The in-memory pipe and the verify-while-writing stream built on it, with no server.</summary>
public class BytePipeTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(BytePipe.BlockSize)]
    [InlineData(BytePipe.BlockSize * 3 + 17)]
    public async Task Bytes_come_out_in_order_from_sync_and_async_writes(int piece)
    {
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 5); // more than the pipe holds: the writer must wait for the reader
        var pipe = new BytePipe();
        var reading = Task.Run(async () =>
        {
            using var copy = new MemoryStream();
            await pipe.Reader.CopyToAsync(copy, 7777);
            return copy.ToArray();
        });
        for (var i = 0; i < data.Length; i += piece)
        {
            var part = data.AsMemory(i, Math.Min(piece, data.Length - i));
            if ((i / piece) % 2 == 0) pipe.Write(part.Span);
            else await pipe.WriteAsync(part, CancellationToken.None);
        }
        await pipe.CompleteAsync();
        Assert.Equal(data, await reading.WaitAsync(Limit));
        Assert.Equal(data.Length, pipe.Written);
    }

    [Fact]
    public async Task A_failed_reader_stops_a_writer_that_would_otherwise_wait_for_ever()
    {
        var pipe = new BytePipe();
        var failure = new InvalidDataException("bad byte at 10");
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[10];
            await pipe.Reader.ReadExactlyAsync(buffer);
            pipe.Fail(failure);
        });
        var block = new byte[BytePipe.BlockSize];
        var writing = Task.Run(async () =>
        {
            for (var i = 0; i < 10 * BytePipe.Capacity; i++) await pipe.WriteAsync(block, CancellationToken.None);
        });
        var thrown = await Assert.ThrowsAsync<InvalidDataException>(() => writing.WaitAsync(Limit));
        Assert.Same(failure, thrown);
        await reader;
        Assert.Throws<InvalidDataException>(() => pipe.Write(new byte[BytePipe.BlockSize]));
    }

    [Fact]
    public async Task A_writer_failure_reaches_the_reader()
    {
        var pipe = new BytePipe();
        await pipe.WriteAsync(new byte[100], CancellationToken.None);
        await pipe.FlushAsync();
        pipe.Fail(new IOException("the source broke"));
        var first = new byte[100];
        await pipe.Reader.ReadExactlyAsync(first);
        await Assert.ThrowsAsync<IOException>(async () => await pipe.Reader.ReadExactlyAsync(new byte[1]));
    }

    [Fact]
    public async Task Verifying_write_stream_hashes_and_checks_exactly_what_reaches_the_file()
    {
        var data = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 3);
        using var file = new MemoryStream();
        long checkedBytes = 0;
        var sink = new VerifyingWriteStream<long>(file, async (s, ct) =>
        {
            var buffer = new byte[4096];
            int n;
            while ((n = await s.ReadAsync(buffer, ct)) > 0) checkedBytes += n;
            return checkedBytes;
        }, CancellationToken.None);
        VerifiedWrite<long> result;
        await using (sink)
        {
            for (var i = 0; i < data.Length; i += 100_000) await sink.WriteAsync(data.AsMemory(i, Math.Min(100_000, data.Length - i)));
            result = await sink.CompleteAsync(CancellationToken.None).WaitAsync(Limit);
        }
        Assert.Equal(data, file.ToArray());
        Assert.Equal(data.Length, result.Result);
        Assert.Equal(data.Length, result.Bytes);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant(), result.Sha256);
    }

    [Fact]
    public async Task A_check_that_stops_early_still_hashes_everything_and_a_check_that_fails_stops_the_writer()
    {
        var data = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        using (var file = new MemoryStream())
        {
            // A check that needs only the first bytes (an RDB ends at its checksum): the rest is still hashed.
            var sink = new VerifyingWriteStream<int>(file, async (s, ct) => { await s.ReadExactlyAsync(new byte[16], ct); return 16; }, CancellationToken.None);
            await using (sink)
            {
                sink.Write(data);
                var result = await sink.CompleteAsync(CancellationToken.None).WaitAsync(Limit);
                Assert.Equal(Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant(), result.Sha256);
            }
        }
        using (var file = new MemoryStream())
        {
            var sink = new VerifyingWriteStream<int>(file, async (s, ct) =>
            {
                await s.ReadExactlyAsync(new byte[16], ct);
                throw new InvalidDataException("unknown opcode at byte 16");
            }, CancellationToken.None);
            await using (sink)
            {
                var writing = Task.Run(() => { for (var i = 0; i < 20; i++) sink.Write(data); });
                await Assert.ThrowsAsync<InvalidDataException>(() => writing.WaitAsync(Limit));
                Assert.IsType<InvalidDataException>(sink.CheckFailure);
            }
        }
    }
}
