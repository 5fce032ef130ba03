using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace RedisBackup.Engine.Redis;

/// <summary>
/// Encodes commands as RESP arrays of bulk strings into a growing buffer; <see cref="FlushAsync"/> sends it.
/// Large arguments (over 64 KB) are written straight to the stream after the buffered prefix instead of being copied.
/// </summary>
internal sealed class RespWriter
{
    private const int DirectWriteThreshold = 64 * 1024;

    private readonly Stream _stream;
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly List<ReadOnlyMemory<byte>> _segments = new();

    public RespWriter(Stream stream) => _stream = stream;

    /// <summary>Bytes buffered and not yet flushed.</summary>
    public long Pending { get; private set; }

    public void WriteCommand(ReadOnlySpan<RedisArg> args)
    {
        WriteHeader((byte)'*', args.Length);
        foreach (var arg in args)
        {
            if (arg.Kind == RedisArg.ArgKind.Number)
            {
                WriteNumberArg(arg.Number);
                continue;
            }
            if (arg.Kind == RedisArg.ArgKind.Text)
            {
                WriteTextArg(arg.Text);
                continue;
            }
            var bytes = arg.RawBytes;
            WriteHeader((byte)'$', bytes.Length);
            if (bytes.Length >= DirectWriteThreshold)
            {
                // Keep order: what is buffered so far, then the big argument itself, then continue buffering.
                _segments.Add(_buffer.WrittenMemory.ToArray());
                _buffer.Clear();
                _segments.Add(bytes);
                Pending += bytes.Length;
            }
            else
            {
                bytes.Span.CopyTo(_buffer.GetSpan(bytes.Length));
                _buffer.Advance(bytes.Length);
                Pending += bytes.Length;
            }
            WriteCrlf();
        }
    }

    /// <summary>Writes raw bytes (e.g. an inline "SYNC\r\n").</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
        Pending += bytes.Length;
    }

    public async ValueTask FlushAsync(CancellationToken ct = default)
    {
        foreach (var seg in _segments) await _stream.WriteAsync(seg, ct).ConfigureAwait(false);
        _segments.Clear();
        if (_buffer.WrittenCount > 0) await _stream.WriteAsync(_buffer.WrittenMemory, ct).ConfigureAwait(false);
        _buffer.Clear();
        Pending = 0;
        await _stream.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Sends what is buffered with blocking writes (for a caller on its own thread).</summary>
    public void Flush()
    {
        foreach (var seg in _segments) _stream.Write(seg.Span);
        _segments.Clear();
        if (_buffer.WrittenCount > 0) _stream.Write(_buffer.WrittenSpan);
        _buffer.Clear();
        Pending = 0;
        _stream.Flush();
    }

    private void WriteNumberArg(long n)
    {
        // "$<len>\r\n<digits>\r\n": format the digits first, then the header in front of them.
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(n, digits, out var count);
        WriteHeader((byte)'$', count);
        digits[..count].CopyTo(_buffer.GetSpan(count));
        _buffer.Advance(count);
        Pending += count;
        WriteCrlf();
    }

    private void WriteTextArg(string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        WriteHeader((byte)'$', length);
        var written = Encoding.UTF8.GetBytes(text, _buffer.GetSpan(length));
        _buffer.Advance(written);
        Pending += written;
        WriteCrlf();
    }

    private void WriteHeader(byte prefix, long n)
    {
        var span = _buffer.GetSpan(24);
        span[0] = prefix;
        Utf8Formatter.TryFormat(n, span[1..], out var written);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        _buffer.Advance(3 + written);
        Pending += 3 + written;
    }

    private void WriteCrlf()
    {
        var span = _buffer.GetSpan(2);
        span[0] = (byte)'\r';
        span[1] = (byte)'\n';
        _buffer.Advance(2);
        Pending += 2;
    }
}
