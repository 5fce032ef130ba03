namespace RedisBackup.Engine.IO;

/// <summary>What the concurrent check of a new file found, with the SHA-256 of every byte written.</summary>
internal sealed record VerifiedWrite<T>(T Result, string Sha256, long Bytes);

/// <summary>
/// Writes through to a file and hands the same bytes, through a <see cref="BytePipe"/>, to a check that reads them as a
/// stream on another thread: a new backup is verified and hashed while it is written, from exactly the bytes that go
/// into the file, instead of being read back afterwards. A failed check fails the next write with its own error.
/// Not a <see cref="BoundedPipeline"/>: the producer here is whoever writes into this stream (a gzip stream, a
/// snapshot download), not a delegate it could run and cancel, and the bytes travel through a pipe, not a channel of
/// items. The same guarantees hold in-band: the check's failure ends any waiting or later write with that failure (so
/// the writer never waits for ever), the pipe is ended in every path (<see cref="CompleteAsync"/>, or a stop when
/// disposed unfinished), and <see cref="CheckFailure"/> lets the caller report the check's failure as the first one.
/// </summary>
internal sealed class VerifyingWriteStream<T> : Stream
{
    private readonly Stream _file;
    private readonly BytePipe _pipe = new();
    private readonly HashingReadStream _hashing;
    private readonly Task<(T Result, string Sha256)> _check;
    private bool _completed;
    private volatile Exception? _failure;

    /// <param name="check">Reads the stream it is given to its end and returns what it found; throws when the data is bad.</param>
    public VerifyingWriteStream(Stream file, Func<Stream, CancellationToken, Task<T>> check, CancellationToken ct)
    {
        _file = file;
        _hashing = new HashingReadStream(_pipe.Reader);
        _check = Task.Run(async () =>
        {
            try
            {
                var result = await check(_hashing, ct).ConfigureAwait(false);
                // What the check did not need (bytes after an RDB's checksum) is still read, so the writer never waits, and hashed.
                return (result, await _hashing.DrainAsync(ct).ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                _failure = ex; // recorded before the writer can see it, so the writer's error can name the cause
                _pipe.Fail(ex); // the writer stops at its next write instead of filling the pipe for nobody
                throw;
            }
        }, CancellationToken.None);
    }

    /// <summary>The check's failure when it already failed (so a writer's resulting error can name the cause).</summary>
    public Exception? CheckFailure => _failure;

    /// <summary>Ends the data, waits for the check, and returns its result and the SHA-256 of everything written.</summary>
    public async Task<VerifiedWrite<T>> CompleteAsync(CancellationToken ct)
    {
        _completed = true;
        await _pipe.CompleteAsync(ct).ConfigureAwait(false);
        var (result, sha256) = await _check.ConfigureAwait(false);
        return new VerifiedWrite<T>(result, sha256, _pipe.Written);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _file.Write(buffer);
        _pipe.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _file.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await _pipe.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override void Flush() => _file.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _file.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Leaves the file open (its owner commits or deletes it). An unfinished check is stopped and awaited.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            _pipe.Fail(new OperationCanceledException("The backup stopped before it was complete."));
            try { await _check.ConfigureAwait(false); } catch (Exception) { /* the writer's own failure is what is reported */ }
        }
        await base.DisposeAsync().ConfigureAwait(false); // Dispose(true): the check has ended by now
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!_completed)
            {
                _pipe.Fail(new OperationCanceledException("The backup stopped before it was complete."));
                try { _check.GetAwaiter().GetResult(); } catch (Exception) { /* as above */ }
            }
            _hashing.Dispose();
        }
        base.Dispose(disposing);
    }
}
