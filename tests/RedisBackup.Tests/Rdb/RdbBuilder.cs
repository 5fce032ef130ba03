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

    /// <summary>The bytes written so far (for building a value alone, with an empty magic).</summary>
    public byte[] Bytes() => _out.ToArray();

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

    /// <summary>A listpack whose entries are small non-negative integers (7-bit encoding) or short strings.</summary>
    public static byte[] ListpackOf(params object[] entries)
    {
        var body = new MemoryStream();
        foreach (var e in entries)
        {
            if (e is int n and >= 0 and < 128)
            {
                body.WriteByte((byte)n);
                body.WriteByte(1);
                continue;
            }
            var data = Encoding.ASCII.GetBytes((string)e);
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

    /// <summary>
    /// A stream value of layout <paramref name="version"/> (1: type 15, 2: 19, 3: 21, 4: 26, 5: 27) as rdbSaveObject writes
    /// it: one node with entries 1000-0 and 1000-1, one group whose pending list holds both, a consumer owning the first;
    /// from version 5 the second is in the group's NACK zone (owned by no consumer); from version 4 the IDMP block records
    /// one producer with one idempotent ID.
    /// </summary>
    public RdbBuilder StreamValue(int version)
    {
        // One node: master entry (count 2, deleted 0, 1 field "f", 0), then two entries with the master's fields
        // (flags 2 = SAMEFIELDS, ms-diff, seq-diff, the value, lp-count 4).
        Len(1).Str(StreamId(1000, 0)).Str(Listpack("2", "0", "1", "f", "0", "2", "0", "0", "v1", "4", "2", "0", "1", "v2", "4"));
        Len(2).Len(1000).Len(1);
        if (version >= 2) Len(1000).Len(0).Len(0).Len(0).Len(2);
        Len(1).Str("group").Len(1000).Len(1);
        if (version >= 2) Len(2);
        Len(2);
        Raw(StreamId(1000, 0)).U64(1_700_000_000_000).Len(1);
        Raw(StreamId(1000, 1)).U64(1_700_000_000_500).Len(3);
        Len(1).Str("consumer").U64(1_700_000_000_000);
        if (version >= 3) U64(1_700_000_000_001);
        if (version >= 5) Len(1).Raw(StreamId(1000, 0)).Len(1).Raw(StreamId(1000, 1));
        else Len(2).Raw(StreamId(1000, 0)).Raw(StreamId(1000, 1));
        if (version >= 4)
        {
            Len(100).Len(1000); // IDMP duration (s) and maximum entries
            Len(1).Str("producer-1").Len(1).Str("iid-1").Len(1000).Len(0);
            Len(1).Len(0); // IIDs added, duplicates
        }
        return this;
    }

    /// <summary>Module-encoded data (as module values, MODULE_AUX and key metadata store it): one unsigned, one string, EOF.</summary>
    public RdbBuilder ModuleData(ulong number, string text) => Len(2).Len(number).Len(5).Str(text).Len(0);

    /// <summary>A 16-byte big-endian stream ID, as stream node keys and PEL entries store it.</summary>
    public static byte[] StreamId(ulong ms, ulong seq)
    {
        var id = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(id, ms);
        BinaryPrimitives.WriteUInt64BigEndian(id.AsSpan(8), seq);
        return id;
    }
}
