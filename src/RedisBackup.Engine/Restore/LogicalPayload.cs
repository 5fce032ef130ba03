using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Turns a whole logical key (string, hash, list, set, zset) into a RESTORE payload. When the target's
/// <see cref="CompactLimits"/> are known and the key is within them, the payload holds the compact blob the server
/// itself would DUMP (hash 16 / zset 17 listpack, list 18 quicklist2 with one listpack node, set 11 intset or 20
/// listpack), which it loads as it is. Otherwise it uses the plain RDB value types every Redis since 2.6 loads: 0 string,
/// 1 list, 2 set, 3 zset (scores as text, parsed by the server itself), 4 hash; the server converts them on load.
/// Plain payloads are stamped RDB version 9 (Redis 5.0+, every Valkey), listpack ones 10 or 11 (Redis 7.0 / 7.2+).
/// One RESTORE per key lets "skip existing" ride on BUSYKEY with no extra round trip.
/// A hash with field TTLs goes, within the target's listpack limits, as Redis 7.4's HASH_LISTPACK_EX (type 25, see
/// <see cref="TryCreateWithFieldExpiry"/>); plain types cannot hold field TTLs.
/// </summary>
internal static class LogicalPayload
{
    public const ushort StampedVersion = 9;

    /// <summary>RDB_TYPE_HASH_LISTPACK_EX (Redis 7.4+, RDB 12): a hash listpack of field, value, expiry triplets.</summary>
    public const byte HashListpackEx = 25;

    /// <summary>True for a payload that carries hash field expiries (one built by <see cref="TryCreateWithFieldExpiry"/>).</summary>
    public static bool HoldsFieldExpiry(ReadOnlySpan<byte> payload) => !payload.IsEmpty && payload[0] == HashListpackEx;

    /// <summary>
    /// A whole hash with field TTLs as the HASH_LISTPACK_EX payload Redis 7.4+ itself DUMPs for it: the smallest field
    /// expiry (8 bytes, little-endian), then one listpack of field, value, expiry triplets, the fields with an expiry
    /// first in ascending order of it (ties keep the record's order, which is the source's), then the others with
    /// expiry 0, in the record's order; stamped RDB 12. Redis loads it without checking that order and relies on it
    /// afterwards, so nothing else is ever built. Null when the target is not Redis 7.4+ (Valkey 9 numbers its types
    /// differently), its limits are unknown, or the hash is beyond them: then HSET + HPEXPIREAT.
    /// Expired fields must already be taken out (<see cref="FieldExpiry.DropExpired"/>).
    /// </summary>
    public static byte[]? TryCreateWithFieldExpiry(KeyRecord record, CompactLimits? limits)
    {
        ArgumentNullException.ThrowIfNull(record);
        var items = record.Items;
        if (record.Kind != RedisKeyType.Hash || record.FieldExpireAt is not { } expiry || expiry.Count * 2 != items.Count || items.Count == 0) return null;
        if (limits is not { Listpacks: true, ReadableVersion: >= 12 and < 80 }) return null;
        if (items.Count / 2 > limits.HashEntries || !AllAtMost(items, limits.HashValue) || !Distinct(items, start: 0, step: 2)) return null;

        var fields = expiry.Count;
        var order = new int[fields];
        for (var i = 0; i < fields; i++) order[i] = i;
        // A stable sort: fields with an expiry by time, then those without (0) in their order.
        Array.Sort(order, (a, b) =>
        {
            long ka = expiry[a] == 0 ? long.MaxValue : expiry[a], kb = expiry[b] == 0 ? long.MaxValue : expiry[b];
            var byTime = ka.CompareTo(kb);
            return byTime != 0 ? byTime : a.CompareTo(b);
        });
        var minExpire = long.MaxValue;
        var elements = new List<byte[]>(fields * 3);
        foreach (var i in order)
        {
            elements.Add(items[2 * i]);
            elements.Add(items[2 * i + 1]);
            var at = expiry[i];
            if (at != 0) minExpire = Math.Min(minExpire, at);
            elements.Add(System.Text.Encoding.ASCII.GetBytes(at.ToString(CultureInfo.InvariantCulture)));
        }
        if (minExpire == long.MaxValue) return null; // no field expires: the plain listpack is the right form
        return ListpackPayload(HashListpackEx, elements, 12, minExpire);
    }

    /// <summary>The payload, or null when the value cannot be expressed this way (then typed writes are used).</summary>
    public static byte[]? TryCreate(KeyRecord record, CompactLimits? compact = null)
    {
        var items = record.Items;
        if (compact is not null && TryCreateCompact(record, compact) is { } blob) return blob;
        var buffer = new ArrayBufferWriter<byte>(64 + items.Sum(i => i.Length + 5));
        byte type;
        switch (record.Kind)
        {
            case RedisKeyType.String:
                if (items.Count != 1) return null;
                type = 0;
                WriteString(buffer, items[0]);
                break;
            case RedisKeyType.List:
            case RedisKeyType.Set:
                if (items.Count == 0) return null;
                type = record.Kind == RedisKeyType.List ? (byte)1 : (byte)2;
                WriteLength(buffer, (ulong)items.Count);
                foreach (var item in items) WriteString(buffer, item);
                break;
            case RedisKeyType.Hash:
                if (items.Count == 0 || items.Count % 2 != 0) return null;
                type = 4;
                WriteLength(buffer, (ulong)(items.Count / 2));
                foreach (var item in items) WriteString(buffer, item);
                break;
            case RedisKeyType.ZSet:
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

    /// <summary>The compact payload of a key within the target's limits; null to use the plain type.</summary>
    private static byte[]? TryCreateCompact(KeyRecord record, CompactLimits limits)
    {
        var items = record.Items;
        if (items.Count == 0) return null;
        switch (record.Kind)
        {
            case RedisKeyType.Hash when limits.Listpacks && items.Count % 2 == 0 && items.Count / 2 <= limits.HashEntries && AllAtMost(items, limits.HashValue)
                             && Distinct(items, start: 0, step: 2):
                return ListpackPayload(16, items, 10);
            case RedisKeyType.ZSet when limits.Listpacks && items.Count % 2 == 0 && items.Count / 2 <= limits.ZsetEntries && Distinct(items, start: 0, step: 2):
                return ZsetListpack(items, limits);
            case RedisKeyType.List when limits.Listpacks && limits.ListNodeFits(items.Count, ListpackEncoding.ListpackSize(items)):
                return ListpackPayload(18, items, 10); // quicklist2: one packed node
            case RedisKeyType.Set when items.Count <= limits.IntsetEntries && AllIntegers(items, out var values):
                return Blob(11, ListpackEncoding.Intset(values), StampedVersion);
            case RedisKeyType.Set when limits.ReadableVersion >= 11 && items.Count <= limits.SetEntries && AllAtMost(items, limits.SetValue)
                            && Distinct(items, start: 0, step: 1):
                return ListpackPayload(20, items, 11);
            default:
                return null;
        }
    }

    /// <summary>A zset listpack: member, score pairs sorted by score, then by member bytes, as Redis keeps them.</summary>
    private static byte[]? ZsetListpack(List<byte[]> items, CompactLimits limits)
    {
        var pairs = new (byte[] Member, double Score, byte[] Text)[items.Count / 2];
        for (var i = 0; i < pairs.Length; i++)
        {
            var member = items[2 * i];
            if (member.Length > limits.ZsetValue || !TryScore(items[2 * i + 1], out var score, out var text)) return null;
            pairs[i] = (member, score, text);
        }
        Array.Sort(pairs, static (a, b) =>
        {
            var byScore = a.Score.CompareTo(b.Score);
            return byScore != 0 ? byScore : a.Member.AsSpan().SequenceCompareTo(b.Member);
        });
        var elements = new List<byte[]>(items.Count);
        for (var i = 0; i < pairs.Length; i++)
        {
            elements.Add(pairs[i].Member);
            elements.Add(pairs[i].Text);
        }
        return ListpackPayload(17, elements, 10);
    }

    /// <summary>
    /// A score as Redis stores it in a listpack (its d2string): an integer in (-(2^52-1), 2^52) as its decimal digits,
    /// anything else as its text, which parses back to the same double. NaN and unreadable text are refused.
    /// </summary>
    private static bool TryScore(byte[] raw, out double score, out byte[] text)
    {
        text = raw;
        score = 0;
        ReadOnlySpan<byte> s = raw;
        if (Ascii.EqualsIgnoreCase(s, "inf"u8) || Ascii.EqualsIgnoreCase(s, "+inf"u8) || Ascii.EqualsIgnoreCase(s, "infinity"u8) || Ascii.EqualsIgnoreCase(s, "+infinity"u8))
        {
            score = double.PositiveInfinity;
            text = "inf"u8.ToArray();
            return true;
        }
        if (Ascii.EqualsIgnoreCase(s, "-inf"u8) || Ascii.EqualsIgnoreCase(s, "-infinity"u8))
        {
            score = double.NegativeInfinity;
            text = "-inf"u8.ToArray();
            return true;
        }
        if (s.IsEmpty || s.Length > 250 || IsSpace(s[0]) || IsSpace(s[^1])
            || !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out score) || double.IsNaN(score))
            return false;
        if (score == 0) text = double.IsNegative(score) ? "-0"u8.ToArray() : "0"u8.ToArray();
        else if (score > -4503599627370495d && score < 4503599627370496d && score == Math.Truncate(score)
                 && !(ListpackEncoding.TryParseInteger(s, out var asWritten) && asWritten == (long)score))
        {
            Span<byte> digits = stackalloc byte[24];
            ((long)score).TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
            text = digits[..n].ToArray();
        }
        return true;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'\v' or (byte)'\f';

    private static bool AllAtMost(List<byte[]> items, int length)
    {
        foreach (var item in items)
            if (item.Length > length) return false;
        return true;
    }

    /// <summary>True when the items at start, start+step, … are all different (hash fields, set members): a compact blob must not repeat one.</summary>
    private static bool Distinct(List<byte[]> items, int start, int step)
    {
        if (items.Count / step <= 32)
        {
            // Small collections (the usual case): pairwise, with no allocation.
            for (var i = start; i < items.Count; i += step)
                for (var j = i + step; j < items.Count; j += step)
                    if (items[i].AsSpan().SequenceEqual(items[j])) return false;
            return true;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = start; i < items.Count; i += step)
            if (!seen.Add(Encoding.Latin1.GetString(items[i]))) return false;
        return true;
    }

    /// <summary>Every item as a canonical integer, sorted and without repeats (an intset's content); false otherwise.</summary>
    private static bool AllIntegers(List<byte[]> items, out long[] values)
    {
        values = new long[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            if (!ListpackEncoding.TryParseInteger(items[i], out values[i])) return false;
        }
        Array.Sort(values);
        for (var i = 1; i < values.Length; i++)
            if (values[i] == values[i - 1]) return false;
        return true;
    }

    /// <summary>
    /// A payload whose value is one listpack string (types 16, 17, 20), or for type 18 a quicklist2 of one packed node,
    /// written in place into a single array.
    /// </summary>
    private static byte[] ListpackPayload(byte type, IReadOnlyList<byte[]> elements, ushort version, long? minExpire = null)
    {
        var size = (int)ListpackEncoding.ListpackSize(elements);
        Span<byte> prefix = stackalloc byte[24];
        var prefixLength = 0;
        if (minExpire is { } min)
        {
            BinaryPrimitives.WriteInt64LittleEndian(prefix, min); // type 25: the smallest field expiry first
            prefixLength = 8;
        }
        if (type == 18)
        {
            prefixLength += LengthBytes(prefix[prefixLength..], 1); // one node
            prefixLength += LengthBytes(prefix[prefixLength..], 2); // container: packed (listpack)
        }
        prefixLength += LengthBytes(prefix[prefixLength..], (ulong)size);
        var payload = new byte[1 + prefixLength + size + DumpPayload.FooterLength];
        payload[0] = type;
        prefix[..prefixLength].CopyTo(payload.AsSpan(1));
        ListpackEncoding.WriteListpack(payload.AsSpan(1 + prefixLength, size), elements);
        DumpPayload.Seal(payload, version);
        return payload;
    }

    private static int LengthBytes(Span<byte> span, ulong length)
    {
        if (length < 64) { span[0] = (byte)length; return 1; }
        if (length < 16384) { span[0] = (byte)(0x40 | (length >> 8)); span[1] = (byte)length; return 2; }
        if (length <= uint.MaxValue) { span[0] = 0x80; BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length); return 5; }
        span[0] = 0x81;
        BinaryPrimitives.WriteUInt64BigEndian(span[1..], length);
        return 9;
    }

    private static byte[] Blob(byte type, byte[] blob, ushort version)
    {
        var buffer = new ArrayBufferWriter<byte>(blob.Length + 8);
        WriteString(buffer, blob);
        return DumpPayload.Create(type, buffer.WrittenSpan, version);
    }

    private static void WriteString(ArrayBufferWriter<byte> buffer, byte[] value)
    {
        WriteLength(buffer, (ulong)value.Length);
        value.CopyTo(buffer.GetSpan(value.Length));
        buffer.Advance(value.Length);
    }

    private static void WriteLength(ArrayBufferWriter<byte> buffer, ulong length) => buffer.Advance(LengthBytes(buffer.GetSpan(9), length));

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
