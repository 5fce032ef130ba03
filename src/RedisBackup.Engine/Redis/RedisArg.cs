using System.Globalization;
using System.Text;

namespace RedisBackup.Engine.Redis;

/// <summary>
/// One argument of a command. Converts implicitly from text, bytes and numbers; text and numbers are kept as they are
/// and encoded straight into the send buffer (no array per argument).
/// </summary>
internal readonly struct RedisArg
{
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly string? _text;
    private readonly long _number;
    private readonly ArgKind _kind;

    private RedisArg(ReadOnlyMemory<byte> bytes)
    {
        _bytes = bytes;
        _kind = ArgKind.Bytes;
    }

    private RedisArg(string text)
    {
        _text = text;
        _kind = ArgKind.Text;
    }

    private RedisArg(long number)
    {
        _number = number;
        _kind = ArgKind.Number;
    }

    internal enum ArgKind : byte { Bytes, Text, Number }

    internal ArgKind Kind => _kind;
    internal ReadOnlyMemory<byte> RawBytes => _bytes;
    internal string Text => _text ?? "";
    internal long Number => _number;

    /// <summary>The bytes that go on the wire (allocated for text and numbers: prefer it only outside hot paths).</summary>
    public ReadOnlyMemory<byte> Bytes => _kind switch
    {
        ArgKind.Text => Encoding.UTF8.GetBytes(_text ?? ""),
        ArgKind.Number => Encoding.ASCII.GetBytes(_number.ToString(CultureInfo.InvariantCulture)),
        _ => _bytes,
    };

    public static implicit operator RedisArg(string text) => new(text);
    public static implicit operator RedisArg(byte[] bytes) => new(bytes);
    public static implicit operator RedisArg(ReadOnlyMemory<byte> bytes) => new(bytes);
    public static implicit operator RedisArg(long value) => new(value);
    public static implicit operator RedisArg(int value) => new((long)value);

    public static RedisArg FromString(string text) => text;
    public static RedisArg FromBytes(ReadOnlyMemory<byte> bytes) => new(bytes);
    public static RedisArg FromInt64(long value) => value;
}
