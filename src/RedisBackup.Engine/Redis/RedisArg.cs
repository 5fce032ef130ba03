using System.Globalization;
using System.Text;

namespace RedisBackup.Engine.Redis;

/// <summary>One argument of a command, as the bytes that go on the wire. Converts implicitly from text, bytes and numbers.</summary>
public readonly struct RedisArg
{
    private RedisArg(ReadOnlyMemory<byte> bytes) => Bytes = bytes;

    public ReadOnlyMemory<byte> Bytes { get; }

    public static implicit operator RedisArg(string text) => new(Encoding.UTF8.GetBytes(text));
    public static implicit operator RedisArg(byte[] bytes) => new(bytes);
    public static implicit operator RedisArg(ReadOnlyMemory<byte> bytes) => new(bytes);
    public static implicit operator RedisArg(long value) => new(Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture)));
    public static implicit operator RedisArg(int value) => new(Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture)));

    public static RedisArg FromString(string text) => text;
    public static RedisArg FromBytes(ReadOnlyMemory<byte> bytes) => new(bytes);
    public static RedisArg FromInt64(long value) => value;
}
