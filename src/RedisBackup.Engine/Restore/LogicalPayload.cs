using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Turns a whole logical key (string, hash, list, set, zset) into a RESTORE payload built from the plain RDB value
/// types every Redis since 2.6 loads: 0 string, 1 list, 2 set, 3 zset (scores as text, parsed by the server itself),
/// 4 hash. The server converts them to its compact encodings on load. The payload is stamped RDB version 9, which
/// Redis 5.0 and later and every Valkey accept. One RESTORE per key lets "skip existing" ride on BUSYKEY with no extra
/// round trip.
/// </summary>
internal static class LogicalPayload
{
    public const ushort StampedVersion = 9;

    /// <summary>The payload, or null when the value cannot be expressed this way (then typed writes are used).</summary>
    public static byte[]? TryCreate(KeyRecord record)
    {
        var items = record.Items;
        var buffer = new ArrayBufferWriter<byte>(64 + items.Sum(i => i.Length + 5));
        byte type;
        switch (record.Type)
        {
            case "string":
                if (items.Count != 1) return null;
                type = 0;
                WriteString(buffer, items[0]);
                break;
            case "list":
            case "set":
                if (items.Count == 0) return null;
                type = record.Type == "list" ? (byte)1 : (byte)2;
                WriteLength(buffer, (ulong)items.Count);
                foreach (var item in items) WriteString(buffer, item);
                break;
            case "hash":
                if (items.Count == 0 || items.Count % 2 != 0) return null;
                type = 4;
                WriteLength(buffer, (ulong)(items.Count / 2));
                foreach (var item in items) WriteString(buffer, item);
                break;
            case "zset":
                if (items.Count == 0 || items.Count % 2 != 0) return null;
                type = 3;
                WriteLength(buffer, (ulong)(items.Count / 2));
                for (var i = 0; i < items.Count; i += 2)
                {
                    WriteString(buffer, items[i]);
                    if (!WriteScore(buffer, items[i + 1])) return null;
                }
                break;
            default:
                return null;
        }
        return DumpPayload.Create(type, buffer.WrittenSpan, StampedVersion);
    }

    private static void WriteString(ArrayBufferWriter<byte> buffer, byte[] value)
    {
        WriteLength(buffer, (ulong)value.Length);
        value.CopyTo(buffer.GetSpan(value.Length));
        buffer.Advance(value.Length);
    }

    private static void WriteLength(ArrayBufferWriter<byte> buffer, ulong length)
    {
        var span = buffer.GetSpan(9);
        if (length < 64) { span[0] = (byte)length; buffer.Advance(1); }
        else if (length < 16384) { span[0] = (byte)(0x40 | (length >> 8)); span[1] = (byte)length; buffer.Advance(2); }
        else if (length <= uint.MaxValue) { span[0] = 0x80; BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length); buffer.Advance(5); }
        else { span[0] = 0x81; BinaryPrimitives.WriteUInt64BigEndian(span[1..], length); buffer.Advance(9); }
    }

    /// <summary>A type-3 score: one length byte and the text, or 253/254/255 for nan/+inf/-inf. False for text the server could not read.</summary>
    private static bool WriteScore(ArrayBufferWriter<byte> buffer, byte[] text)
    {
        var s = Encoding.ASCII.GetString(text).Trim();
        var lower = s.ToLowerInvariant();
        var span = buffer.GetSpan(1 + text.Length);
        if (lower is "inf" or "+inf" or "infinity" or "+infinity") { span[0] = 254; buffer.Advance(1); return true; }
        if (lower is "-inf" or "-infinity") { span[0] = 255; buffer.Advance(1); return true; }
        if (text.Length == 0 || text.Length > 250 || !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || double.IsNaN(d)) return false;
        span[0] = (byte)text.Length;
        text.CopyTo(span[1..]);
        buffer.Advance(1 + text.Length);
        return true;
    }
}
