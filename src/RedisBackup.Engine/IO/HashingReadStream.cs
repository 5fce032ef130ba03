using System.Security.Cryptography;

namespace RedisBackup.Engine.IO;

/// <summary>
/// A read-only pass-through that hashes (SHA-256) every byte read, so a structure check and the checksum share one
/// pass over the file. <see cref="DrainAsync"/> reads what the checker left and finishes the hash.
/// </summary>
internal sealed class HashingReadStream(Stream inner, Action<long>? bytesRead = null) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _position;
    private long _lastReport;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Account(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Account(buffer.Span[..n]);
        return n;
    }

    /// <summary>Reads the rest of the stream into the hash and returns the lower-case hex SHA-256 of everything read.</summary>
    public async Task<string> DrainAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 20];
        while (await ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0) { }
        return Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();
    }

    private void Account(ReadOnlySpan<byte> data)
    {
        _hash.AppendData(data);
        _position += data.Length;
        if (bytesRead is not null && (_position - _lastReport >= (4 << 20) || data.Length == 0))
        {
            _lastReport = _position;
            bytesRead(_position);
        }
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
