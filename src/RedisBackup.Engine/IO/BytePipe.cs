using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.ExceptionServices;

namespace RedisBackup.Engine.IO;

/// <summary>
/// An in-memory pipe from one writer to one reader with bounded buffering, over <see cref="Pipe"/> (which does the
/// buffering, the segment pooling and the writer's wait once <see cref="Capacity"/> × <see cref="BlockSize"/> bytes
/// wait unread). What it adds to a plain <see cref="Pipe"/>: <see cref="Fail"/> may be called from either side, and
/// then the reader throws that error after the bytes already written, and every waiting or later write throws it too,
/// instead of a writer waiting for ever or writing on for nobody (a <see cref="PipeWriter"/> whose reader completed
/// discards the bytes silently); and the count of bytes written.
/// </summary>
internal sealed class BytePipe
{
    /// <summary>The writer hands its bytes to the reader once this many are gathered (or on a flush).</summary>
    public const int BlockSize = 64 * 1024;

    /// <summary>How many blocks may wait unread before the writer waits.</summary>
    public const int Capacity = 32;

    private readonly Pipe _pipe = new(new PipeOptions(
        pauseWriterThreshold: (long)Capacity * BlockSize,
        resumeWriterThreshold: (long)Capacity * BlockSize / 2,
        minimumSegmentSize: BlockSize,
        useSynchronizationContext: false));

    private int _unflushed;
    private volatile Exception? _failure;

    public BytePipe() => Reader = new ReadSide(this);

    /// <summary>The reading end: returns 0 once the writer completed and everything was read; throws the error given to <see cref="Fail"/>.</summary>
    public Stream Reader { get; }

    /// <summary>Total bytes written.</summary>
    public long Written { get; private set; }

    public void Write(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var n = Append(data);
            data = data[n..];
            if (_unflushed >= BlockSize)
            {
                var flush = _pipe.Writer.FlushAsync();
                Check(flush.IsCompletedSuccessfully ? flush.Result : flush.AsTask().GetAwaiter().GetResult());
            }
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            var n = Append(data.Span);
            data = data[n..];
            if (_unflushed >= BlockSize) await FlushAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Hands the gathered bytes to the reader now (and waits while the reader is <see cref="Capacity"/> blocks behind).</summary>
    public async ValueTask FlushAsync(CancellationToken ct = default)
    {
        if (_unflushed == 0) return;
        ThrowIfFailed();
        Check(await _pipe.Writer.FlushAsync(ct).ConfigureAwait(false));
    }

    /// <summary>No more bytes: the reader sees the end after what was written.</summary>
    public async ValueTask CompleteAsync(CancellationToken ct = default)
    {
        await FlushAsync(ct).ConfigureAwait(false);
        await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Ends the pipe with an error (from either side): the reader throws it, and so does any later or waiting write.</summary>
    public void Fail(Exception error)
    {
        Interlocked.CompareExchange(ref _failure, error, null);
        _pipe.Writer.CancelPendingFlush(); // both are safe from the other side's thread
        _pipe.Reader.CancelPendingRead();
    }

    private int Append(ReadOnlySpan<byte> data)
    {
        ThrowIfFailed();
        var span = _pipe.Writer.GetSpan(Math.Min(data.Length, BlockSize));
        var n = Math.Min(data.Length, span.Length);
        data[..n].CopyTo(span);
        _pipe.Writer.Advance(n);
        _unflushed += n;
        Written += n;
        return n;
    }

    private void Check(FlushResult result)
    {
        _unflushed = 0;
        if (result.IsCanceled) ThrowIfFailed();
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure) ExceptionDispatchInfo.Throw(failure);
    }

    private sealed class ReadSide(BytePipe pipe) : Stream
    {
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
            var reader = pipe._pipe.Reader;
            while (true)
            {
                ReadResult result;
                if (pipe._failure is { } failure)
                {
                    // Failed: what was written before is still read; once it is gone, the failure.
                    if (!reader.TryRead(out result)) ExceptionDispatchInfo.Throw(failure);
                    if (result.Buffer.IsEmpty)
                    {
                        reader.AdvanceTo(result.Buffer.Start);
                        ExceptionDispatchInfo.Throw(failure);
                    }
                }
                else
                {
                    result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                }
                var data = result.Buffer;
                if (!data.IsEmpty)
                {
                    var n = (int)Math.Min(buffer.Length, data.Length);
                    var taken = data.Slice(0, n);
                    taken.CopyTo(buffer.Span);
                    reader.AdvanceTo(taken.End);
                    return n;
                }
                reader.AdvanceTo(data.Start);
                if (result.IsCompleted) return 0;
                // Cancelled with nothing to read: Fail was called; the loop throws its error.
            }
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) pipe._pipe.Reader.Complete();
            base.Dispose(disposing);
        }
    }
}
