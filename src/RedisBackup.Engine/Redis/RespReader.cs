using System.Buffers.Text;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Redis;

/// <summary>
/// Reads RESP2 replies from a stream through its own buffer. Frames may arrive in any split;
/// bulk strings of any size up to the .NET array limit are read straight into their final array.
/// Also exposes the raw line / raw byte primitives that the replication (SYNC) download needs.
/// </summary>
internal sealed class RespReader
{
    /// <summary>Bulk strings longer than this are refused as a protocol error (Redis's own proto-max-bulk-len ceiling is 512 MB by default; arrays cap at 2 GB).</summary>
    public const long MaxBulkLength = int.MaxValue - 64;

    private const int MaxLineLength = 64 * 1024;
    private const int MaxDepth = 64;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public RespReader(Stream stream, int bufferSize = 64 * 1024)
    {
        _stream = stream;
        _buffer = new byte[Math.Max(bufferSize, 16)];
    }

    /// <summary>Bytes already read from the stream and not yet consumed.</summary>
    public int Buffered => _end - _start;

    public ValueTask<RespValue> ReadAsync(CancellationToken cancellationToken = default)
        => TryReadBuffered(out var value) ? ValueTask.FromResult(value) : ReadValueAsync(0, cancellationToken);

    /// <summary>
    /// Parses the next reply when the buffer already holds all of it (no await, no socket read) and consumes it;
    /// returns false, consuming nothing, when more bytes are needed. Throws on a protocol error.
    /// </summary>
    public bool TryReadBuffered(out RespValue value)
    {
        var pos = _start;
        if (!TryParse(_buffer.AsSpan(0, _end), ref pos, 0, out value!)) return false;
        _start = pos;
        return true;
    }

    /// <summary>
    /// Reads the next reply with blocking reads of the stream (for a reader on its own thread: no thread-pool hop per
    /// socket read). A reply that grows beyond 1 MB without completing is finished by the streaming path.
    /// </summary>
    public RespValue Read()
    {
        while (true)
        {
            if (TryReadBuffered(out var value)) return value;
            if (_end - _start > 1 << 20) return ReadValueAsync(0, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            Fill();
        }
    }

    /// <summary>
    /// Blocking: when the next reply is a bulk string longer than <paramref name="limit"/>, reads its bytes through the
    /// buffer without keeping them and returns its length; otherwise consumes nothing and returns -1.
    /// </summary>
    public long SkipBulkIfLonger(long limit)
    {
        var scanned = 0;
        while (true)
        {
            var idx = Array.IndexOf(_buffer, (byte)'\n', _start + scanned, _end - _start - scanned);
            if (idx >= 0)
            {
                if (_buffer[_start] != (byte)'$') return -1;
                var lineEnd = idx > _start && _buffer[idx - 1] == '\r' ? idx - 1 : idx;
                var length = ParseInteger(_buffer.AsSpan(_start + 1, lineEnd - _start - 1), "bulk length");
                if (length <= limit) return -1;
                if (length > MaxBulkLength) throw Protocol($"Bulk length {length} is out of range.");
                _start = idx + 1;
                for (var left = length; left > 0;)
                {
                    if (_start == _end) Fill();
                    var n = (int)Math.Min(left, _end - _start);
                    _start += n;
                    left -= n;
                }
                while (_end - _start < 2) Fill();
                if (_buffer[_start] != '\r' || _buffer[_start + 1] != '\n') throw Protocol("A bulk string is not followed by CRLF.");
                _start += 2;
                return length;
            }
            if (_end - _start >= MaxLineLength) throw Protocol($"A reply line is longer than {MaxLineLength} bytes.");
            scanned = _end - _start;
            Fill();
        }
    }

    private static bool TryParse(ReadOnlySpan<byte> buffer, ref int pos, int depth, out RespValue? value)
    {
        value = null;
        if (depth > MaxDepth) throw Protocol("Reply nesting is deeper than " + MaxDepth + " levels.");
        var idx = buffer[pos..].IndexOf((byte)'\n');
        if (idx < 0)
        {
            if (buffer.Length - pos >= MaxLineLength) throw Protocol($"A reply line is longer than {MaxLineLength} bytes.");
            return false;
        }
        var line = buffer.Slice(pos, idx > 0 && buffer[pos + idx - 1] == '\r' ? idx - 1 : idx);
        var next = pos + idx + 1;
        if (line.Length == 0) throw Protocol("Empty reply line.");
        var rest = line[1..];
        switch (line[0])
        {
            case (byte)'+':
                value = rest.SequenceEqual("OK"u8) ? RespValue.Ok : RespValue.Simple(rest.ToArray());
                break;
            case (byte)'-':
                value = RespValue.Err(rest.ToArray());
                break;
            case (byte)':':
                value = RespValue.Int(ParseInteger(rest, "integer"));
                break;
            case (byte)'$':
            {
                var length = ParseInteger(rest, "bulk length");
                if (length == -1) { value = RespValue.Nil; break; }
                if (length < 0 || length > MaxBulkLength) throw Protocol($"Bulk length {length} is out of range.");
                if (buffer.Length - next < length + 2) return false;
                var data = buffer.Slice(next, (int)length);
                if (buffer[next + (int)length] != '\r' || buffer[next + (int)length + 1] != '\n') throw Protocol("A bulk string is not followed by CRLF.");
                value = RespValue.Bulk(data.ToArray());
                next += (int)length + 2;
                break;
            }
            case (byte)'*':
            {
                var count = ParseInteger(rest, "array length");
                if (count == -1) { value = RespValue.Nil; break; }
                if (count < 0 || count > int.MaxValue / 8) throw Protocol($"Array length {count} is out of range.");
                // Every element takes at least 3 bytes ("+\r\n" is the shortest): do not allocate for an array that cannot be complete.
                if (count * 3 > buffer.Length - next) return false;
                var items = count == 0 ? [] : new RespValue[count];
                for (var i = 0; i < items.Length; i++)
                {
                    if (!TryParse(buffer, ref next, depth + 1, out var item)) return false;
                    items[i] = item!;
                }
                value = RespValue.Array(items);
                break;
            }
            default:
                throw Protocol($"Unknown reply type byte 0x{line[0]:X2} ('{(char)line[0]}').");
        }
        pos = next;
        return true;
    }

    private async ValueTask<RespValue> ReadValueAsync(int depth, CancellationToken ct)
    {
        if (depth > MaxDepth) throw Protocol("Reply nesting is deeper than " + MaxDepth + " levels.");
        var line = await ReadLineAsync(ct).ConfigureAwait(false);
        if (line.Length == 0) throw Protocol("Empty reply line.");
        var prefix = line[0];
        var rest = line.AsMemory(1);
        switch (prefix)
        {
            case (byte)'+':
                return RespValue.Simple(rest.ToArray());
            case (byte)'-':
                return RespValue.Err(rest.ToArray());
            case (byte)':':
                return RespValue.Int(ParseInteger(rest.Span, "integer"));
            case (byte)'$':
            {
                var length = ParseInteger(rest.Span, "bulk length");
                if (length == -1) return RespValue.Nil;
                if (length < 0 || length > MaxBulkLength) throw Protocol($"Bulk length {length} is out of range.");
                var data = GC.AllocateUninitializedArray<byte>((int)length);
                await ReadExactlyAsync(data, ct).ConfigureAwait(false);
                await ExpectCrlfAsync(ct).ConfigureAwait(false);
                return RespValue.Bulk(data);
            }
            case (byte)'*':
            {
                var count = ParseInteger(rest.Span, "array length");
                if (count == -1) return RespValue.Nil;
                if (count < 0 || count > int.MaxValue / 8) throw Protocol($"Array length {count} is out of range.");
                var items = new RespValue[count];
                for (var i = 0; i < items.Length; i++) items[i] = await ReadValueAsync(depth + 1, ct).ConfigureAwait(false);
                return RespValue.Array(items);
            }
            default:
                throw Protocol($"Unknown reply type byte 0x{prefix:X2} ('{(char)prefix}').");
        }
    }

    /// <summary>Reads one line ending in CRLF (or a bare LF) and returns it without the terminator.</summary>
    public async ValueTask<byte[]> ReadLineAsync(CancellationToken ct = default)
    {
        var scanned = 0;
        byte[]? line;
        while (!TryTakeLine(ref scanned, out line)) await FillAsync(ct).ConfigureAwait(false);
        return line;
    }

    /// <summary>Blocking form of <see cref="ReadLineAsync"/>, for a reader on a dedicated thread.</summary>
    public byte[] ReadLine()
    {
        var scanned = 0;
        byte[]? line;
        while (!TryTakeLine(ref scanned, out line)) Fill();
        return line;
    }

    /// <summary>Takes a whole buffered line; <paramref name="scanned"/> (relative to the unread start) skips what was searched before.</summary>
    private bool TryTakeLine(ref int scanned, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? line)
    {
        var idx = Array.IndexOf(_buffer, (byte)'\n', _start + scanned, _end - _start - scanned);
        if (idx < 0)
        {
            if (_end - _start >= MaxLineLength) throw Protocol($"A reply line is longer than {MaxLineLength} bytes.");
            scanned = _end - _start;
            line = null;
            return false;
        }
        var lineEnd = idx > _start && _buffer[idx - 1] == '\r' ? idx - 1 : idx;
        line = _buffer.AsSpan(_start, lineEnd - _start).ToArray();
        _start = idx + 1;
        return true;
    }

    /// <summary>Fills <paramref name="destination"/> completely, first from the buffer, then from the stream.</summary>
    public async ValueTask ReadExactlyAsync(Memory<byte> destination, CancellationToken ct = default)
    {
        var fromBuffer = Math.Min(destination.Length, _end - _start);
        _buffer.AsMemory(_start, fromBuffer).CopyTo(destination);
        _start += fromBuffer;
        var remaining = destination[fromBuffer..];
        while (remaining.Length > 0)
        {
            var n = await _stream.ReadAsync(remaining, ct).ConfigureAwait(false);
            if (n == 0) throw Truncated();
            remaining = remaining[n..];
        }
    }

    /// <summary>Reads up to <paramref name="destination"/>.Length bytes (buffer first). Returns 0 only at end of stream.</summary>
    /// <summary>Blocking form of <see cref="ReadSomeAsync"/>, for bulk transfers on a dedicated thread.</summary>
    public int ReadSome(Span<byte> destination)
    {
        if (_end > _start)
        {
            var n = Math.Min(destination.Length, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(destination);
            _start += n;
            return n;
        }
        return _stream.Read(destination);
    }

    public async ValueTask<int> ReadSomeAsync(Memory<byte> destination, CancellationToken ct = default)
    {
        if (_end > _start)
        {
            var n = Math.Min(destination.Length, _end - _start);
            _buffer.AsMemory(_start, n).CopyTo(destination);
            _start += n;
            return n;
        }
        return await _stream.ReadAsync(destination, ct).ConfigureAwait(false);
    }

    private async ValueTask ExpectCrlfAsync(CancellationToken ct)
    {
        while (_end - _start < 2) await FillAsync(ct).ConfigureAwait(false);
        if (_buffer[_start] != '\r' || _buffer[_start + 1] != '\n') throw Protocol("A bulk string is not followed by CRLF.");
        _start += 2;
    }

    private async ValueTask FillAsync(CancellationToken ct)
    {
        MakeRoom();
        var n = await _stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
        if (n == 0) throw Truncated();
        _end += n;
    }

    private void Fill()
    {
        MakeRoom();
        var n = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0) throw Truncated();
        _end += n;
    }

    /// <summary>Moves unread bytes to the front and grows the buffer when it is full.</summary>
    private void MakeRoom()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
    }

    private static long ParseInteger(ReadOnlySpan<byte> text, string what)
    {
        if (!Utf8Parser.TryParse(text, out long value, out var consumed) || consumed != text.Length)
            throw Protocol($"Invalid {what} '{System.Text.Encoding.ASCII.GetString(text)}'.");
        return value;
    }

    private static RedisBackupException Protocol(string message)
        => new(ErrorKind.ProtocolError, ErrorIds.RedisProtocolError, "Redis protocol error: " + message);

    private static RedisBackupException Truncated()
        => new(ErrorKind.ConnectionFailed, ErrorIds.RedisConnectionClosed, "The server closed the connection in the middle of a reply.");
}
