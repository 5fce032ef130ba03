using System.Buffers.Text;
using System.Text;

namespace RedisBackup.Testing;

/// <summary>
/// Writes RESP commands (arrays of bulk strings) straight into a stream, for `redis-cli --pipe` input.
/// Allocation-light: integers and ASCII text are formatted into a scratch buffer.
/// </summary>
internal sealed class RespEncoder
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();
    private readonly Stream _stream;
    private readonly byte[] _scratch = new byte[64];

    public RespEncoder(Stream stream) => _stream = stream;

    /// <summary>Commands written so far (each one gets exactly one reply).</summary>
    public long Commands { get; private set; }

    public void Begin(int argumentCount)
    {
        Commands++;
        WritePrefixed((byte)'*', argumentCount);
    }

    public void Arg(ReadOnlySpan<byte> value)
    {
        WritePrefixed((byte)'$', value.Length);
        _stream.Write(value);
        _stream.Write(Crlf);
    }

    /// <summary>An ASCII argument (command names, key names, numbers as text).</summary>
    public void Arg(string ascii)
    {
        var length = ascii.Length;
        if (length <= _scratch.Length)
        {
            Encoding.ASCII.GetBytes(ascii, _scratch);
            WritePrefixed((byte)'$', length);
            _stream.Write(_scratch, 0, length);
            _stream.Write(Crlf);
        }
        else
        {
            Arg(Encoding.ASCII.GetBytes(ascii));
        }
    }

    public void Arg(long value)
    {
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(value, digits, out var n);
        Arg(digits[..n]);
    }

    /// <summary>A whole command of ASCII arguments.</summary>
    public void Command(params string[] args)
    {
        Begin(args.Length);
        foreach (var a in args) Arg(a);
    }

    private void WritePrefixed(byte prefix, long number)
    {
        Span<byte> line = stackalloc byte[24];
        line[0] = prefix;
        Utf8Formatter.TryFormat(number, line[1..], out var n);
        line[n + 1] = (byte)'\r';
        line[n + 2] = (byte)'\n';
        _stream.Write(line[..(n + 3)]);
    }
}
