using System.Buffers;
using System.Threading.Channels;

namespace RedisBackup.Engine.IO;

/// <summary>
/// An in-memory pipe from one writer to one reader with bounded buffering: bytes written come out of
/// <see cref="Reader"/>, in order. Writes are gathered into 64 KB blocks; once <see cref="Capacity"/> blocks wait
/// unread, the writer waits. When the reader side stops (<see cref="Fail"/>), every later write throws that error
/// instead of waiting for ever.
/// </summary>
internal sealed class BytePipe
{
    public const int BlockSize = 64 * 1024;
    public const int Capacity = 32;

    private readonly Channel<(byte[] Buffer, int Length)> _blocks =
        Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = true });
    private byte[]? _pending;
    private int _pendingLength;

    public BytePipe() => Reader = new ReadSide(this);

    /// <summary>The reading end: returns 0 once the writer completed and everything was read; throws the writer's error.</summary>
    public Stream Reader { get; }

    /// <summary>Total bytes written.</summary>
    public long Written { get; private set; }

    public void Write(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var n = Append(data);
            data = data[n..];
            if (_pendingLength == BlockSize) Post().AsTask().GetAwaiter().GetResult();
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            var n = Append(data.Span);
            data = data[n..];
            if (_pendingLength == BlockSize) await Post(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Hands the gathered bytes to the reader now.</summary>
    public ValueTask FlushAsync(CancellationToken ct = default) => _pendingLength > 0 ? Post(ct) : ValueTask.CompletedTask;

    /// <summary>No more bytes: the reader sees the end after what was written.</summary>
    public async ValueTask CompleteAsync(CancellationToken ct = default)
    {
        await FlushAsync(ct).ConfigureAwait(false);
        _blocks.Writer.TryComplete();
    }

    /// <summary>Ends the pipe with an error: the reader throws it, and so does any later or waiting write.</summary>
    public void Fail(Exception error) => _blocks.Writer.TryComplete(error);

    private int Append(ReadOnlySpan<byte> data)
    {
        _pending ??= ArrayPool<byte>.Shared.Rent(BlockSize);
        var n = Math.Min(data.Length, BlockSize - _pendingLength);
        data[..n].CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += n;
        Written += n;
        return n;
    }

    private async ValueTask Post(CancellationToken ct = default)
    {
        var block = (_pending!, _pendingLength);
        _pending = null;
        _pendingLength = 0;
        try
        {
            await _blocks.Writer.WriteAsync(block, ct).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex) when (ex.InnerException is not null)
        {
            ArrayPool<byte>.Shared.Return(block.Item1);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(block.Item1);
            throw;
        }
    }

    private sealed class ReadSide(BytePipe pipe) : Stream
    {
        private byte[]? _block;
        private int _offset;
        private int _length;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty) return 0;
            while (_block is null || _offset == _length)
            {
                Release();
                if (!await pipe._blocks.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    await pipe._blocks.Reader.Completion.ConfigureAwait(false); // throws the writer's error, if any
                    return 0;
                }
                if (pipe._blocks.Reader.TryRead(out var next)) (_block, _offset, _length) = (next.Buffer, 0, next.Length);
            }
            var n = Math.Min(buffer.Length, _length - _offset);
            _block.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        private void Release()
        {
            if (_block is not null) ArrayPool<byte>.Shared.Return(_block);
            _block = null;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) Release();
            base.Dispose(disposing);
        }
    }
}
