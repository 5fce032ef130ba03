using System.Buffers.Binary;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Rdb;

/// <summary>DUMP/RESTORE payloads: type byte + rdbSaveObject bytes + RDB version (u16 LE) + CRC64 (u64 LE).</summary>
internal static class DumpPayload
{
    /// <summary>Bytes after the value: the 2-byte version and the 8-byte CRC64.</summary>
    public const int FooterLength = 10;

    /// <summary>A payload whose value is preceded by a key's metadata record (Redis 8.6+ KEY_META, as stored in the file).</summary>
    public static byte[] Create(ReadOnlySpan<byte> keyMetadata, byte type, ReadOnlySpan<byte> value, ushort rdbVersion)
    {
        if (keyMetadata.IsEmpty) return Create(type, value, rdbVersion);
        var payload = new byte[keyMetadata.Length + 1 + value.Length + FooterLength];
        keyMetadata.CopyTo(payload);
        payload[keyMetadata.Length] = type;
        value.CopyTo(payload.AsSpan(keyMetadata.Length + 1));
        Seal(payload, rdbVersion);
        return payload;
    }

    public static byte[] Create(byte type, ReadOnlySpan<byte> value, ushort rdbVersion)
    {
        var payload = new byte[1 + value.Length + FooterLength];
        payload[0] = type;
        value.CopyTo(payload.AsSpan(1));
        Seal(payload, rdbVersion);
        return payload;
    }

    /// <summary>Writes the footer (version and CRC64) into the last <see cref="FooterLength"/> bytes of a payload built in place.</summary>
    public static void Seal(Span<byte> payload, ushort rdbVersion)
    {
        var versionAt = payload.Length - FooterLength;
        BinaryPrimitives.WriteUInt16LittleEndian(payload.Slice(versionAt, 2), rdbVersion);
        var crc = Crc64.Update(0, payload[..(versionAt + 2)]);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.Slice(versionAt + 2, 8), crc);
    }

    /// <summary>The RDB version stamped in a payload's footer.</summary>
    public static ushort VersionOf(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 1 + FooterLength)
            throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.DumpPayloadTooShort,
                $"A DUMP payload needs at least {1 + FooterLength} bytes (type, version, CRC64); this one has {payload.Length}.");
        return BinaryPrimitives.ReadUInt16LittleEndian(payload.Slice(payload.Length - FooterLength, 2));
    }
}
