namespace RedisBackup.Engine.Formats;

/// <summary>
/// Reads '\n'-terminated lines from a stream through one growing buffer. A line is returned as memory that stays
/// valid until the next call; the buffer grows only as far as the longest line.
/// </summary>
internal sealed class LineReader(Stream stream, int initialSize = 1 << 20)
{
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
        if (_end == _buffer.Length) Array.Resize(ref _buffer, checked(_buffer.Length * 2));
        var n = await stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
        if (n == 0) _eof = true;
        else _end += n;
    }
}
