using System.Buffers;
using System.Buffers.Binary;

namespace RedisBackup.Engine.Rdb;

/// <summary>
/// A Redis 8.10 hash stored in an RDB file as a reference to a hash template (type 30: a listpack whose first entry is the
/// template id; type 32: the template id and one value per field) cannot be sent as RESTORE: the server accepts only the
/// self-contained forms in a DUMP payload. This rewrites such a value as the self-contained template array (type 31:
/// the field count, then each field name and its value), taking the field names from the file's template.
/// </summary>
internal static class TemplateHashPayload
{
    public const byte ListpackReference = 30;
    public const byte ArrayReference = 32;
    public const byte SelfContainedArray = 31;

    /// <summary>The type-31 value of a type-30 or type-32 entry (which carries its template's field names).</summary>
    public static byte[] Inline(RdbEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var fields = entry.HashTemplate ?? throw new ArgumentException("The entry is not a hash template reference.", nameof(entry));
        var value = entry.Value ?? throw new ArgumentException("The entry has no value.", nameof(entry));
        var output = new ArrayBufferWriter<byte>(value.Length + (fields.Count * 16) + 16);
        WriteLength(output, (ulong)fields.Count);
        if (entry.Type == ListpackReference)
        {
            var input = new RdbInput(new MemoryStream(value), 4096);
            var entries = ListpackEntries.Read(input.ReadBlob("the listpack of a template hash"), entry.Offset, "the listpack of a template hash");
            if (entries.Count != fields.Count + 1)
                throw new RdbFormatException($"A template hash holds {entries.Count - 1} values, but its template has {fields.Count} fields", entry.Offset);
            for (var i = 0; i < fields.Count; i++)
            {
                WriteString(output, fields[i]);
                WriteString(output, entries[i + 1]);
            }
        }
        else
        {
            // Copy each value's RDB string encoding (plain, integer or LZF) as it is.
            var input = new RdbInput(new MemoryStream(value), Math.Max(4096, value.Length + 16));
            input.ReadLength("the template id of a template hash");
            foreach (var field in fields)
            {
                WriteString(output, field);
                input.BeginCapture();
                input.SkipString("a value of a template hash");
                output.Write(input.EndCapture());
            }
        }
        return output.WrittenSpan.ToArray();
    }

    private static void WriteString(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        WriteLength(output, (ulong)bytes.Length);
        output.Write(bytes);
    }

    private static void WriteLength(ArrayBufferWriter<byte> output, ulong length)
    {
        var span = output.GetSpan(9);
        if (length < 64) { span[0] = (byte)length; output.Advance(1); return; }
        if (length < 16384) { span[0] = (byte)(0x40 | (length >> 8)); span[1] = (byte)length; output.Advance(2); return; }
        if (length <= uint.MaxValue) { span[0] = 0x80; BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length); output.Advance(5); return; }
        span[0] = 0x81;
        BinaryPrimitives.WriteUInt64BigEndian(span[1..], length);
        output.Advance(9);
    }
}
