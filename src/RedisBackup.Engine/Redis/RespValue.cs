using System.Globalization;
using System.Text;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Redis;

internal enum RespType
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
    /// <summary>A null bulk string ($-1) or null array (*-1).</summary>
    Null,
}

/// <summary>One RESP2 reply. Bulk strings keep their exact bytes.</summary>
internal sealed class RespValue
{
    public static readonly RespValue Nil = new(RespType.Null, null, 0, null);

    private RespValue(RespType type, byte[]? bytes, long integer, RespValue[]? items)
    {
        Type = type;
        Bytes = bytes;
        Integer = integer;
        Items = items;
    }

    public RespType Type { get; }

    /// <summary>The payload of a simple string, error or bulk string.</summary>
    public byte[]? Bytes { get; }

    public long Integer { get; }

    public RespValue[]? Items { get; }

    public bool IsNull => Type == RespType.Null;
    public bool IsError => Type == RespType.Error;

    /// <summary>The "+OK" reply (shared: replies are immutable).</summary>
    public static readonly RespValue Ok = new(RespType.SimpleString, "OK"u8.ToArray(), 0, null);

    private static readonly RespValue[] SmallIntegers = Enumerable.Range(-2, 1027).Select(i => new RespValue(RespType.Integer, null, i, null)).ToArray();

    public static RespValue Simple(byte[] text) => new(RespType.SimpleString, text, 0, null);

    /// <summary>An integer reply; the common small ones (-2 to 1024) are shared instances.</summary>
    public static RespValue Int(long value) => value is >= -2 and <= 1024 ? SmallIntegers[value + 2] : new(RespType.Integer, null, value, null);
    public static RespValue Err(byte[] text) => new(RespType.Error, text, 0, null);
    public static RespValue Bulk(byte[] value) => new(RespType.BulkString, value, 0, null);
    public static RespValue Array(RespValue[] items) => new(RespType.Array, null, 0, items);

    /// <summary>The text of a string or error reply (UTF-8), the number of an integer reply, or null.</summary>
    public string? AsString() => Type switch
    {
        RespType.Integer => Integer.ToString(CultureInfo.InvariantCulture),
        RespType.Null or RespType.Array => null,
        _ => Encoding.UTF8.GetString(Bytes!),
    };

    public long AsInt64()
    {
        ThrowIfError();
        return Type switch
        {
            RespType.Integer => Integer,
            RespType.BulkString or RespType.SimpleString when long.TryParse(Encoding.ASCII.GetString(Bytes!), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) => v,
            _ => throw new RedisBackupException(ErrorKind.ProtocolError, ErrorIds.RedisUnexpectedReply, $"Expected an integer reply, got {Describe()}."),
        };
    }

    public RespValue[] AsArray()
    {
        ThrowIfError();
        return Type switch
        {
            RespType.Array => Items!,
            RespType.Null => [],
            _ => throw new RedisBackupException(ErrorKind.ProtocolError, ErrorIds.RedisUnexpectedReply, $"Expected an array reply, got {Describe()}."),
        };
    }

    /// <summary>Throws a <see cref="RedisServerException"/> when this is an error reply; returns this otherwise.</summary>
    public RespValue ThrowIfError(string? command = null)
    {
        if (Type == RespType.Error) throw RedisServerException.FromReply(AsString()!, command);
        return this;
    }

    /// <summary>A short description for error messages, never the full payload.</summary>
    public string Describe() => Type switch
    {
        RespType.Null => "nil",
        RespType.Integer => "integer " + Integer.ToString(CultureInfo.InvariantCulture),
        RespType.Array => $"array of {Items!.Length}",
        RespType.BulkString => $"bulk string of {Bytes!.Length} bytes",
        RespType.Error => "error '" + AsString() + "'",
        _ => "'" + (Bytes!.Length > 60 ? AsString()![..60] + "…" : AsString()) + "'",
    };

    public override string ToString() => Describe();
}
