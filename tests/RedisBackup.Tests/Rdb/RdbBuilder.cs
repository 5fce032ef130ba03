using System.Buffers.Binary;
using System.Text;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Tests.Rdb;

/// <summary>
/// Writes small RDB files byte by byte for the layouts a local Redis 7.0 cannot produce (7.2+/7.4 types, Valkey,
/// modules, legacy encodings). Each method appends exactly what rdbSave* would write.
/// </summary>
internal sealed class RdbBuilder
{
    private readonly MemoryStream _out = new();

    public RdbBuilder(string magic = "REDIS0011") => Raw(Encoding.ASCII.GetBytes(magic));

    public RdbBuilder Raw(params byte[] bytes)
    {
        _out.Write(bytes);
        return this;
    }

    public RdbBuilder Byte(byte b) => Raw(b);

    public RdbBuilder Len(ulong len)
    {
        if (len < 64) return Raw((byte)len);
        if (len < 16384) return Raw((byte)(0x40 | (len >> 8)), (byte)len);
        if (len <= uint.MaxValue)
        {
            var b = new byte[5];
            b[0] = 0x80;
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(1), (uint)len);
            return Raw(b);
        }
        var l = new byte[9];
        l[0] = 0x81;
        BinaryPrimitives.WriteUInt64BigEndian(l.AsSpan(1), len);
        return Raw(l);
    }

    public RdbBuilder Str(byte[] bytes) => Len((ulong)bytes.Length).Raw(bytes);

    public RdbBuilder Str(string text) => Str(Encoding.UTF8.GetBytes(text));

    /// <summary>An int8-encoded string (C0 xx).</summary>
    public RdbBuilder Int8(sbyte value) => Raw(0xC0, (byte)value);

    /// <summary>An LZF string made of one literal run (valid LZF that any decoder must accept).</summary>
    public RdbBuilder LzfLiteral(byte[] raw)
    {
        var compressed = new byte[raw.Length + 1];
        compressed[0] = (byte)(raw.Length - 1);
        raw.CopyTo(compressed, 1);
        return Raw(0xC3).Len((ulong)compressed.Length).Len((ulong)raw.Length).Raw(compressed);
    }

    public RdbBuilder U64(ulong value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        return Raw(b);
    }

    public RdbBuilder Aux(string key, string value) => Byte(0xFA).Str(key).Str(value);

    public RdbBuilder SelectDb(int db) => Byte(0xFE).Len((ulong)db);

    public RdbBuilder Key(byte type, string key) => Byte(type).Str(key);

    /// <summary>FF and the CRC64 of everything before it (or 8 zero bytes).</summary>
    public byte[] End(bool checksum = true)
    {
        Byte(0xFF);
        var body = _out.ToArray();
        var crc = checksum ? Crc64.Update(0, body) : 0;
        U64(crc);
        return _out.ToArray();
    }

    /// <summary>FF with no checksum (format versions below 5).</summary>
    public byte[] EndWithoutChecksum()
    {
        Byte(0xFF);
        return _out.ToArray();
    }

    /// <summary>A listpack of short strings (each under 64 bytes).</summary>
    public static byte[] Listpack(params string[] entries)
    {
        var body = new MemoryStream();
        foreach (var e in entries)
        {
            var data = Encoding.ASCII.GetBytes(e);
            if (data.Length >= 64) throw new ArgumentException("short strings only", nameof(entries));
            body.WriteByte((byte)(0x80 | data.Length));
            body.Write(data);
            body.WriteByte((byte)(1 + data.Length));
        }
        body.WriteByte(0xFF);
        var lp = new byte[6 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(lp, (uint)lp.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(lp.AsSpan(4), (ushort)entries.Length);
        body.ToArray().CopyTo(lp, 6);
        return lp;
    }

    public static byte[] Intset(params short[] values)
    {
        var set = new byte[8 + (values.Length * 2)];
        BinaryPrimitives.WriteUInt32LittleEndian(set, 2);
        BinaryPrimitives.WriteUInt32LittleEndian(set.AsSpan(4), (uint)values.Length);
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(set.AsSpan(8 + (i * 2)), values[i]);
        return set;
    }

    /// <summary>A 16-byte big-endian stream ID, as stream node keys and PEL entries store it.</summary>
    public static byte[] StreamId(ulong ms, ulong seq)
    {
        var id = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(id, ms);
        BinaryPrimitives.WriteUInt64BigEndian(id.AsSpan(8), seq);
        return id;
    }
}
