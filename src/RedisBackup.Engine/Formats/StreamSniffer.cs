using System.IO.Compression;

namespace RedisBackup.Engine.Formats;

/// <summary>Detects gzip from the first bytes of a stream and returns a stream of the plain content.</summary>
internal static class StreamSniffer
{
    /// <summary>Returns the decompressed view when <paramref name="source"/> starts with the gzip magic, otherwise the bytes as they are. Leaves <paramref name="source"/> open.</summary>
    public static async Task<(Stream Plain, bool Gzip)> OpenPlainAsync(Stream source, CancellationToken ct)
    {
        var head = new byte[2];
        var n = 0;
        while (n < 2)
        {
            var r = await source.ReadAsync(head.AsMemory(n), ct).ConfigureAwait(false);
            if (r == 0) break;
            n += r;
        }
        Stream rejoined = new PrefixedStream(head.AsMemory(0, n), source);
        var gzip = n == 2 && head[0] == 0x1f && head[1] == 0x8b;
        return gzip ? (new GZipStream(rejoined, CompressionMode.Decompress, leaveOpen: false), true) : (rejoined, false);
    }

    /// <summary>Replays a few bytes already read, then the rest of the inner stream (which it leaves open).</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.Length > 0)
            {
                var n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
                return n;
            }
            return inner.Read(buffer);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_prefix.Length > 0)
            {
                var n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer.Span);
                _prefix = _prefix[n..];
                return ValueTask.FromResult(n);
            }
            return inner.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
