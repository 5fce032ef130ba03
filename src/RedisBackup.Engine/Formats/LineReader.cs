namespace RedisBackup.Engine.Formats;

/// <summary>
/// Reads '\n'-terminated lines from a stream through one growing buffer. A line is returned as memory that stays
/// valid until the next call; the buffer grows only as far as the longest line, and never beyond
/// <see cref="MaxLineLength"/>: a longer line (a damaged or hostile file, e.g. a gzip stream that inflates to gigabytes
/// without a line break) is refused with a <see cref="LineTooLongException"/> instead of exhausting memory.
/// </summary>
internal sealed class LineReader(Stream stream, int initialSize = 1 << 20, int maxLineLength = LineReader.MaxLineLength)
{
    /// <summary>
    /// The longest line read: 1 GiB. This tool writes no record near it (a window of a big key is at most a few MB; the
    /// longest record is the DUMP payload of a key under the exact limit, or of a stream or module value, whose base64
    /// text is 4/3 of the payload and Redis caps a payload at 512 MB by default).
    /// </summary>
    public const int MaxLineLength = 1 << 30;

    private byte[] _buffer = new byte[initialSize];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>Bytes consumed so far (lines and their terminators).</summary>
    public long Position { get; private set; }

    /// <summary>Bytes already read into the buffer and not consumed.</summary>
    public ReadOnlySpan<byte> Buffered => _buffer.AsSpan(_start, _end - _start);

    /// <summary>Fills the buffer with at least <paramref name="count"/> bytes when the stream has them (for format detection).</summary>
    public async ValueTask PeekAsync(int count, CancellationToken ct)
    {
        while (_end - _start < count && !_eof) await FillAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The next line without its '\n', or null at the end. Terminated is false for a last line that has no '\n'.</summary>
    public async ValueTask<(ReadOnlyMemory<byte> Line, bool Terminated)?> ReadLineAsync(CancellationToken ct)
    {
        var scanFrom = _start;
        while (true)
        {
            var idx = _buffer.AsSpan(scanFrom, _end - scanFrom).IndexOf((byte)'\n');
            if (idx >= 0)
            {
                var lineEnd = scanFrom + idx;
                var line = _buffer.AsMemory(_start, lineEnd - _start);
                Position += lineEnd - _start + 1;
                _start = lineEnd + 1;
                return (line, true);
            }
            if (_eof)
            {
                if (_end == _start) return null;
                var rest = _buffer.AsMemory(_start, _end - _start);
                Position += _end - _start;
                _start = _end;
                return (rest, false);
            }
            var consumedBefore = _start;
            scanFrom = _end;
            await FillAsync(ct).ConfigureAwait(false);
            scanFrom -= consumedBefore - _start;
        }
    }

    private async ValueTask FillAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= maxLineLength) throw new LineTooLongException(maxLineLength);
            Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, maxLineLength));
        }
        var n = await stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
        if (n == 0) _eof = true;
        else _end += n;
    }
}

/// <summary>A line longer than the reader takes.</summary>
internal sealed class LineTooLongException(int limit)
    : IOException($"a record is longer than {limit / (1024 * 1024)} MiB without a line break")
{
    public int Limit { get; } = limit;
}
