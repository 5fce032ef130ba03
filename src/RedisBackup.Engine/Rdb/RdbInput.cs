using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace RedisBackup.Engine.Rdb;

/// <summary>
/// The byte source under the RDB parser: a large buffer over a stream, read by synchronous primitives (lengths, strings,
/// fixed-size fields) that track the absolute offset, keep a running CRC64 of every byte that passes, and can capture
/// the exact bytes of one value. Callers prefetch asynchronously between records (<see cref="PrefetchAsync"/>), so the
/// synchronous refill inside a primitive only happens for a record larger than what was prefetched.
/// Memory: the buffer grows only to hold one captured value or one blob, and shrinks back afterwards.
/// </summary>
internal sealed class RdbInput
{
    internal const int DefaultBufferSize = 1 << 20;

    private readonly Stream _stream;
    private readonly int _defaultSize;
    private byte[] _buf;
    private int _pos;
    private int _end;
    private int _crcPos;
    private int _mark = -1;
    private long _base;
    private ulong _crc;
    private bool _streamEnded;
    private byte[] _scratch = [];

    public RdbInput(Stream stream, int bufferSize = DefaultBufferSize)
    {
        _stream = stream;
        _defaultSize = bufferSize;
        _buf = new byte[bufferSize];
    }

    /// <summary>Absolute offset of the next byte to read.</summary>
    public long Position => _base + _pos;

    /// <summary>Bytes buffered and not yet read.</summary>
    public int Available => _end - _pos;

    /// <summary>The underlying stream has reported its end.</summary>
    public bool StreamEnded => _streamEnded;

    /// <summary>When set, LZF strings that are skipped are still decompressed, to prove they are well formed.</summary>
    public bool ValidateCompressedStrings { get; set; }

    /// <summary>Fills the buffer until at least <paramref name="minimum"/> bytes are available or the stream ends.</summary>
    public async ValueTask PrefetchAsync(int minimum, CancellationToken cancellationToken)
    {
        if (_end - _pos >= minimum || _streamEnded) return;
        MakeRoom(minimum);
        while (_end - _pos < minimum && !_streamEnded)
        {
            var read = await _stream.ReadAsync(_buf.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read <= 0) _streamEnded = true;
            else _end += read;
        }
    }

    /// <summary>Reads up to <paramref name="count"/> bytes without failing at the end of the stream (used for the header peek).</summary>
    public ReadOnlySpan<byte> TryTake(int count)
    {
        if (_end - _pos < count) TryFill(count);
        var n = Math.Min(count, _end - _pos);
        var span = _buf.AsSpan(_pos, n);
        _pos += n;
        return span;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadByte(string what)
    {
        if (_pos >= _end) Fill(1, what);
        return _buf[_pos++];
    }

    /// <summary>Peeks at the next byte, or returns -1 at the end of the stream.</summary>
    public int PeekByte()
    {
        if (_pos >= _end) TryFill(1);
        return _pos < _end ? _buf[_pos] : -1;
    }

    /// <summary>Returns the next <paramref name="count"/> bytes (valid until the next call) and moves past them.</summary>
    public ReadOnlySpan<byte> Take(int count, string what)
    {
        if (_end - _pos < count) Fill(count, what);
        var span = _buf.AsSpan(_pos, count);
        _pos += count;
        return span;
    }

    public uint ReadUInt32LE(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));

    public long ReadInt64LE(string what) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));

    public ulong ReadUInt64LE(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));

    /// <summary>An RDB length (6-, 14-, 32- or 64-bit). <paramref name="encoded"/> is true for the 11xxxxxx special encodings.</summary>
    public ulong ReadLength(string what, out bool encoded)
    {
        encoded = false;
        if (_pos >= _end) Fill(1, what);
        var b = _buf[_pos];
        switch (b >> 6)
        {
            case 0:
                _pos++;
                return (ulong)(b & 0x3F);
            case 1:
                if (_end - _pos < 2) Fill(2, what);
                var v14 = (ulong)(((b & 0x3F) << 8) | _buf[_pos + 1]);
                _pos += 2;
                return v14;
            case 3:
                _pos++;
                encoded = true;
                return (ulong)(b & 0x3F);
            default:
                if (b == 0x80)
                {
                    if (_end - _pos < 5) Fill(5, what);
                    var v32 = BinaryPrimitives.ReadUInt32BigEndian(_buf.AsSpan(_pos + 1, 4));
                    _pos += 5;
                    return v32;
                }
                if (b == 0x81)
                {
                    if (_end - _pos < 9) Fill(9, what);
                    var v64 = BinaryPrimitives.ReadUInt64BigEndian(_buf.AsSpan(_pos + 1, 8));
                    _pos += 9;
                    return v64;
                }
                throw new RdbFormatException($"Expected {what}, found the unknown length encoding byte 0x{b:X2}", Position);
        }
    }

    /// <summary>A plain length (the special encodings are read as their 6-bit value, as Redis does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadLength(string what)
    {
        if (_pos < _end)
        {
            var b = _buf[_pos];
            if (b < 0x40)
            {
                _pos++;
                return b;
            }
        }
        return ReadLength(what, out _);
    }

    /// <summary>A length that must fit an int (a count of bytes to hold in memory).</summary>
    public int ReadSmallLength(string what, long offset)
    {
        var len = ReadLength(what);
        if (len > int.MaxValue - 64) throw new RdbFormatException($"{Capitalize(what)} of {len} is larger than this reader can hold", offset);
        return (int)len;
    }

    /// <summary>Moves past one RDB string (raw, integer or LZF) without keeping it.</summary>
    public void SkipString(string what)
    {
        var start = Position;
        var len = ReadLength(what, out var encoded);
        if (!encoded)
        {
            Skip((long)Math.Min(len, long.MaxValue), what, start);
            return;
        }
        switch (len)
        {
            case 0: Skip(1, what, start); break;
            case 1: Skip(2, what, start); break;
            case 2: Skip(4, what, start); break;
            case 3:
                if (ValidateCompressedStrings) _ = ReadLzf(what, start);
                else
                {
                    var clen = ReadLength("the compressed length of an LZF string");
                    ReadLength("the raw length of an LZF string");
                    Skip((long)Math.Min(clen, long.MaxValue), what, start);
                }
                break;
            default: throw UnknownStringEncoding(len, what, start);
        }
    }

    /// <summary>One RDB string, decoded (integers as decimal text, LZF decompressed), as a new array.</summary>
    public byte[] ReadStringBytes(string what) => ReadBlob(what).ToArray();

    /// <summary>One RDB string, decoded; the span is valid until the next call on this input.</summary>
    public ReadOnlySpan<byte> ReadBlob(string what)
    {
        var start = Position;
        var len = ReadLength(what, out var encoded);
        if (!encoded)
        {
            if (len > int.MaxValue - 64) throw new RdbFormatException($"{Capitalize(what)} of {len} bytes is larger than this reader can hold", start);
            return Take((int)len, what);
        }
        switch (len)
        {
            case 0: return Digits((sbyte)Take(1, what)[0]);
            case 1: return Digits(BinaryPrimitives.ReadInt16LittleEndian(Take(2, what)));
            case 2: return Digits(BinaryPrimitives.ReadInt32LittleEndian(Take(4, what)));
            case 3: return ReadLzf(what, start);
            default: throw UnknownStringEncoding(len, what, start);
        }
    }

    /// <summary>Moves past <paramref name="count"/> bytes (CRC and capture still see them).</summary>
    public void Skip(long count, string what, long itemStart)
    {
        while (true)
        {
            var take = (int)Math.Min(count, _end - _pos);
            _pos += take;
            count -= take;
            if (count == 0) return;
            if (!TryFill(1)) throw Truncated(what, itemStart);
        }
    }

    /// <summary>Starts keeping every byte from the current position (for one value's raw bytes).</summary>
    public void BeginCapture() => _mark = _pos;

    /// <summary>Returns the bytes read since <see cref="BeginCapture"/> and stops keeping them.</summary>
    public byte[] EndCapture()
    {
        var bytes = _buf.AsSpan(_mark, _pos - _mark).ToArray();
        _mark = -1;
        return bytes;
    }

    /// <summary>Abandons a capture (after an error).</summary>
    public void CancelCapture() => _mark = -1;

    /// <summary>Bytes read since <see cref="BeginCapture"/> (0 when no capture is running).</summary>
    public long CapturedLength => _mark >= 0 ? _pos - _mark : 0;

    /// <summary>
    /// While a capture runs, the most bytes it may hold: a refill that would take it past this throws
    /// <see cref="RdbCaptureLimitException"/>, and the caller can <see cref="Rewind"/> to the capture's start (every byte
    /// of it is still buffered) and read the value another way. <see cref="long.MaxValue"/> (the default) for no limit.
    /// </summary>
    public long CaptureLimit { get; set; } = long.MaxValue;

    /// <summary>Moves back to where the running capture began and ends the capture (the bytes are read again).</summary>
    public void Rewind()
    {
        if (_mark < 0) throw new InvalidOperationException("Rewind needs a running capture.");
        _pos = _mark;
        _mark = -1;
    }

    /// <summary>The CRC64 of every byte from offset 0 up to the current position.</summary>
    public ulong ChecksumSoFar()
    {
        if (_pos > _crcPos)
        {
            _crc = Crc64.Update(_crc, _buf.AsSpan(_crcPos, _pos - _crcPos));
            _crcPos = _pos;
        }
        return _crc;
    }

    /// <summary>What the end of a file holds, read past a part the walk could not follow.</summary>
    /// <param name="Length">Total bytes of the stream.</param>
    /// <param name="LastByte">The byte before the 8-byte trailer (the EOF opcode in a whole file), or -1 when there is none.</param>
    /// <param name="Stored">The 8-byte trailer as a little-endian CRC64.</param>
    /// <param name="Computed">The CRC64 of every byte before the trailer.</param>
    public readonly record struct Tail(long Length, int LastByte, ulong Stored, ulong Computed);

    /// <summary>
    /// Reads the rest of the stream in bounded memory, adding every byte but the last 8 to the running CRC64, and returns
    /// the last 8 bytes as the stored checksum. Null when fewer than 8 bytes follow the current position.
    /// </summary>
    public async ValueTask<Tail?> ReadTailAsync(IProgress<long>? progress, CancellationToken cancellationToken)
    {
        const int Trailer = 8;
        _mark = -1;
        var lastByte = _pos > 0 ? _buf[_pos - 1] : -1;
        while (true)
        {
            if (_end - _pos > Trailer)
            {
                lastByte = _buf[_end - Trailer - 1];
                _pos = _end - Trailer;
            }
            if (_streamEnded) break;
            MakeRoom(64 * 1024);
            var read = await _stream.ReadAsync(_buf.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read <= 0) _streamEnded = true;
            else _end += read;
            progress?.Report(Position);
        }
        if (_end - _pos < Trailer) return null;
        var computed = ChecksumSoFar();
        var stored = ReadUInt64LE("the 8-byte CRC64 checksum");
        return new Tail(Position, lastByte, stored, computed);
    }

    public RdbFormatException Truncated(string what, long itemStart)
        => new($"Expected {what}, but the file ended at byte {_base + _end}", itemStart);

    private ReadOnlySpan<byte> ReadLzf(string what, long start)
    {
        var clen = ReadLength("the compressed length of an LZF string");
        var rawLen = ReadLength("the raw length of an LZF string");
        if (clen > int.MaxValue - 64 || rawLen > int.MaxValue - 64)
            throw new RdbFormatException($"{Capitalize(what)} is an LZF string of {clen} compressed / {rawLen} raw bytes, larger than this reader can hold", start);
        if (rawLen == 0) throw new RdbFormatException($"{Capitalize(what)} is an LZF string with a raw length of 0", start);
        var compressed = Take((int)clen, what);
        if (_scratch.Length < (int)rawLen || _scratch.Length > (4 * DefaultBufferSize) + (int)rawLen)
            _scratch = new byte[Math.Max((int)rawLen, 256)];
        var output = _scratch.AsSpan(0, (int)rawLen);
        var problem = Lzf.TryDecompress(compressed, output);
        if (problem is not null) throw new RdbFormatException($"{Capitalize(what)} is a corrupt LZF string: {problem}", start);
        return output;
    }

    private ReadOnlySpan<byte> Digits(long value)
    {
        if (_scratch.Length < 24) _scratch = new byte[256];
        value.TryFormat(_scratch, out var written, provider: CultureInfo.InvariantCulture);
        return _scratch.AsSpan(0, written);
    }

    private static RdbFormatException UnknownStringEncoding(ulong encoding, string what, long start)
        => new($"Expected {what}, found the unknown string encoding {encoding} (byte 0x{0xC0 | (int)encoding:X2})", start);

    private void Fill(int count, string what)
    {
        var start = Position;
        if (!TryFill(count)) throw Truncated(what, start);
    }

    /// <summary>Synchronously buffers at least <paramref name="count"/> bytes; false when the stream ends first.</summary>
    private bool TryFill(int count)
    {
        MakeRoom(count);
        while (_end - _pos < count)
        {
            if (_streamEnded) return false;
            var read = _stream.Read(_buf, _end, _buf.Length - _end);
            if (read <= 0) _streamEnded = true;
            else _end += read;
        }
        return true;
    }

    /// <summary>Discards consumed bytes (after adding them to the CRC) and grows the buffer so <paramref name="count"/> more fit.</summary>
    private void MakeRoom(int count)
    {
        var keep = _mark >= 0 ? _mark : _pos;
        if (keep > _crcPos)
        {
            _crc = Crc64.Update(_crc, _buf.AsSpan(_crcPos, keep - _crcPos));
            _crcPos = keep;
        }
        var live = _end - keep;
        var needed = (long)(_pos - keep) + count;
        if (_mark >= 0 && needed > CaptureLimit) throw new RdbCaptureLimitException(needed);
        if (needed > Array.MaxLength) throw new RdbFormatException($"A single item of {needed} bytes is larger than this reader can hold", Position);

        var target = _buf;
        if (needed > _buf.Length || (_mark >= 0 && _buf.Length - live < _defaultSize / 4))
            target = new byte[(int)Math.Min(Array.MaxLength, Math.Max(needed, (long)_buf.Length * 2))];
        else if (_mark < 0 && _buf.Length > _defaultSize && needed <= _defaultSize && live <= _defaultSize)
            target = new byte[_defaultSize];

        if (keep == 0 && ReferenceEquals(target, _buf)) return;
        Buffer.BlockCopy(_buf, keep, target, 0, live);
        _buf = target;
        _base += keep;
        _pos -= keep;
        _end = live;
        _crcPos -= keep;
        if (_mark >= 0) _mark -= keep;
    }

    private static string Capitalize(string what) => what.Length == 0 ? what : char.ToUpperInvariant(what[0]) + what[1..];
}

/// <summary>A captured value grew past <see cref="RdbInput.CaptureLimit"/>; the capture is still buffered and can be rewound.</summary>
internal sealed class RdbCaptureLimitException : Exception
{
    public RdbCaptureLimitException(long needed) : base($"The value being captured needs more than {needed} bytes.") { }
    public RdbCaptureLimitException() : base("The value being captured is larger than the capture limit.") { }
    public RdbCaptureLimitException(string message) : base(message) { }
    public RdbCaptureLimitException(string message, Exception inner) : base(message, inner) { }
}
