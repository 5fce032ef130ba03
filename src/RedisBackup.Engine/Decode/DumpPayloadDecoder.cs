using System.Buffers.Binary;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Decode;

/// <summary>What the footer and prefix of a DUMP payload say.</summary>
/// <param name="Version">The RDB version stamped in the footer.</param>
/// <param name="Family">Valkey for versions 80 and above, else Redis (both number types 0 to 21 alike).</param>
/// <param name="ValueStart">Where the type byte is (after a Redis 8.6 KEY_META record, if any).</param>
/// <param name="HasKeyMetadata">The payload starts with a KEY_META record.</param>
/// <param name="Problem">Null when the payload is whole; otherwise what is wrong with it.</param>
internal sealed record DumpPayloadInfo(int Version, RdbFamily Family, int ValueStart, bool HasKeyMetadata, string? Problem)
{
    /// <summary>The RDB value type byte (valid when <see cref="Problem"/> is null).</summary>
    public byte Type { get; init; }
}

/// <summary>
/// Reads the body of a DUMP payload (type byte + value, as an exact backup or a logical backup's stream and module
/// records hold it) with the same decoder as an RDB file, after checking its CRC64.
/// </summary>
internal static class DumpPayloadDecoder
{
    private const int MinimumLength = 1 + DumpPayload.FooterLength;

    /// <summary>The RDB version in a payload's footer and the family it means; false for a payload too short to hold one.</summary>
    public static bool TryVersion(byte[] payload, out int version, out RdbFamily family)
    {
        ArgumentNullException.ThrowIfNull(payload);
        version = 0;
        family = RdbFamily.Redis;
        if (payload.Length < MinimumLength) return false;
        version = BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(payload.Length - DumpPayload.FooterLength));
        family = version >= RdbFormatCatalog.MinValkeyVersion ? RdbFamily.Valkey : RdbFamily.Redis;
        return true;
    }

    /// <param name="checkCrc">
    /// Check the payload's CRC64 (before decoding it); a payload that goes to a server as RESTORE is checked by the
    /// server, so the decision whether to decode need not pay for it.
    /// </param>
    public static DumpPayloadInfo Inspect(byte[] payload, bool checkCrc = true)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (payload.Length < MinimumLength) return new DumpPayloadInfo(0, RdbFamily.Redis, 0, false, $"the DUMP payload is {payload.Length} bytes, too short to hold a value");
        var version = BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(payload.Length - DumpPayload.FooterLength));
        var family = version >= RdbFormatCatalog.MinValkeyVersion ? RdbFamily.Valkey : RdbFamily.Redis;
        if (checkCrc && CrcProblem(payload) is { } damaged) return new DumpPayloadInfo(version, family, 0, false, damaged);
        var start = 0;
        var meta = false;
        if (payload[0] == 0xF3 && family == RdbFamily.Redis)
        {
            try
            {
                var input = Open(payload);
                input.ReadByte("the KEY_META opcode");
                var walker = new RdbValueWalker(input, deep: false, family, new Dictionary<ulong, byte[][]>());
                var classes = input.ReadLength("the number of metadata classes of a KEY_META record");
                for (ulong i = 0; i < classes; i++)
                {
                    input.Skip(4, "the 4-byte class spec of a key metadata class", input.Position);
                    walker.WalkModuleData(input.Position);
                }
                start = checked((int)input.Position);
                meta = true;
            }
            catch (RdbFormatException ex)
            {
                return new DumpPayloadInfo(version, family, 0, false, "the DUMP payload's key metadata is damaged: " + ex.Message);
            }
        }
        if (start >= payload.Length - DumpPayload.FooterLength) return new DumpPayloadInfo(version, family, 0, meta, "the DUMP payload holds no value");
        return new DumpPayloadInfo(version, family, start, meta, null) { Type = payload[start] };
    }

    /// <summary>Null when the payload's CRC64 matches its bytes; otherwise what is wrong.</summary>
    public static string? CrcProblem(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var stored = BinaryPrimitives.ReadUInt64LittleEndian(payload.AsSpan(payload.Length - 8));
        var computed = Crc64.Update(0, payload.AsSpan(0, payload.Length - 8));
        return stored == computed ? null : $"the DUMP payload is damaged: its CRC64 is 0x{stored:X16}, but its bytes give 0x{computed:X16}";
    }

    /// <summary>
    /// The value's windows (see <see cref="RdbValueDecoder.Decode"/>); <paramref name="losses"/> receives what the decoder
    /// found that a logical restore cannot keep. Throws <see cref="RdbFormatException"/> on a malformed value.
    /// </summary>
    public static IEnumerable<KeyRecord> Decode(byte[] payload, DumpPayloadInfo info, List<ValueLoss> losses)
    {
        ArgumentNullException.ThrowIfNull(info);
        var input = Open(payload);
        input.Skip(info.ValueStart + 1, "the type byte", 0);
        var decoder = new RdbValueDecoder(input, info.Family, new Dictionary<ulong, byte[][]>());
        foreach (var record in decoder.Decode(info.Type, info.ValueStart))
        {
            losses.AddRange(decoder.Losses);
            decoder.Losses.Clear();
            yield return record;
        }
        losses.AddRange(decoder.Losses);
        var end = payload.Length - DumpPayload.FooterLength;
        if (input.Position != end)
            throw new RdbFormatException($"The DUMP payload holds {end - input.Position} bytes after its value", input.Position);
    }

    private static RdbInput Open(byte[] payload)
        => new(new MemoryStream(payload, 0, payload.Length - DumpPayload.FooterLength, writable: false), Math.Min(RdbInput.DefaultBufferSize, Math.Max(4096, payload.Length)));
}
