using System.Buffers.Binary;
using System.Text;

namespace RedisBackup.Engine.Rdb;

/// <summary>
/// The payload of <c>FUNCTION DUMP</c> / <c>FUNCTION RESTORE</c> (Redis 7.0+, Valkey): one FUNCTION2 record per library
/// (opcode 0xF5 and the library's source code as an RDB string, exactly as in an RDB file), then the RDB version
/// (u16 LE) and the CRC64 of everything before it (u64 LE), as a DUMP payload ends.
/// </summary>
internal static class FunctionPayload
{
    /// <summary>
    /// The libraries' source code, in payload order, and the payload's RDB version. Throws <see cref="FormatException"/>
    /// when the payload is damaged (wrong checksum, a record that is not FUNCTION2, a string that does not parse).
    /// </summary>
    public static IReadOnlyList<byte[]> Libraries(byte[] payload, out ushort version)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (payload.Length < DumpPayload.FooterLength)
            throw new FormatException($"A function payload needs at least {DumpPayload.FooterLength} bytes (version, CRC64); this one has {payload.Length}.");
        var versionAt = payload.Length - DumpPayload.FooterLength;
        version = BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(versionAt, 2));
        var stored = BinaryPrimitives.ReadUInt64LittleEndian(payload.AsSpan(versionAt + 2, 8));
        if (Crc64.Update(0, payload.AsSpan(0, versionAt + 2)) != stored)
            throw new FormatException("The function payload's CRC64 does not match its bytes.");
        var libraries = new List<byte[]>();
        var input = new RdbInput(new MemoryStream(payload, 0, versionAt, writable: false), Math.Max(64, versionAt));
        try
        {
            while (input.Position < versionAt)
            {
                var at = input.Position;
                var opcode = input.ReadByte("a function record");
                if (opcode != RdbOpcodes.Function2)
                    throw new FormatException($"The function payload holds a record of type 0x{opcode:X2} at byte {at}, not a library (FUNCTION2, 0xF5).");
                libraries.Add(input.ReadStringBytes("a function library's code"));
            }
        }
        catch (RdbFormatException ex)
        {
            throw new FormatException("The function payload does not parse: " + ex.Message, ex);
        }
        return libraries;
    }

    /// <summary>A payload holding <paramref name="libraries"/> (source code, as FUNCTION LOAD takes it), stamped with <paramref name="version"/>.</summary>
    public static byte[] Create(IEnumerable<byte[]> libraries, ushort version)
    {
        ArgumentNullException.ThrowIfNull(libraries);
        using var body = new MemoryStream();
        Span<byte> header = stackalloc byte[9];
        foreach (var code in libraries)
        {
            body.WriteByte(RdbOpcodes.Function2);
            body.Write(header[..WriteLength(header, (ulong)code.Length)]);
            body.Write(code);
        }
        var payload = new byte[body.Length + DumpPayload.FooterLength];
        body.GetBuffer().AsSpan(0, (int)body.Length).CopyTo(payload);
        DumpPayload.Seal(payload, version);
        return payload;
    }

    /// <summary>
    /// A library's name, from the first line of its code (<c>#!lua name=mylib</c>, as FUNCTION LOAD requires); null when
    /// the code has no such line (the server then refuses it anyway).
    /// </summary>
    public static string? NameOf(ReadOnlySpan<byte> code)
    {
        var end = code.IndexOf((byte)'\n');
        var first = Encoding.UTF8.GetString(end < 0 ? code : code[..end]).TrimEnd('\r');
        if (!first.StartsWith("#!", StringComparison.Ordinal)) return null;
        foreach (var part in first[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (part.StartsWith("name=", StringComparison.Ordinal) && part.Length > 5) return part[5..];
        return null;
    }

    /// <summary>An RDB length: 6-bit, 14-bit, or 32-/64-bit big-endian, as rdbSaveLen writes it.</summary>
    private static int WriteLength(Span<byte> to, ulong length)
    {
        if (length < 1 << 6)
        {
            to[0] = (byte)length;
            return 1;
        }
        if (length < 1 << 14)
        {
            to[0] = (byte)(0x40 | (length >> 8));
            to[1] = (byte)length;
            return 2;
        }
        if (length <= uint.MaxValue)
        {
            to[0] = 0x80;
            BinaryPrimitives.WriteUInt32BigEndian(to[1..], (uint)length);
            return 5;
        }
        to[0] = 0x81;
        BinaryPrimitives.WriteUInt64BigEndian(to[1..], length);
        return 9;
    }
}
