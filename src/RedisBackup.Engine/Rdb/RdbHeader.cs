using System.Text;

namespace RedisBackup.Engine.Rdb;

/// <summary>What the start of an RDB file says: magic, version and the AUX fields before the first database.</summary>
internal sealed record RdbHeaderInfo
{
    public string Magic { get; init; } = "REDIS";
    public int Version { get; init; }
    public string? RedisVersion { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public long? UsedMemory { get; init; }
    public IReadOnlyDictionary<string, string> Aux { get; init; } = new Dictionary<string, string>();
}

/// <summary>Cheap header read for listing foreign files: reads only up to the first non-AUX opcode.</summary>
internal static class RdbHeader
{
    /// <summary>Small buffer: the header and AUX fields are usually under 200 bytes.</summary>
    private const int BufferSize = 4096;

    /// <summary>
    /// Null when the stream does not start with an RDB magic (REDIS0nnn / VALKEYnnn). A file that ends or turns
    /// corrupt inside the AUX fields still yields the fields read so far. Reads from the current position and
    /// leaves the stream somewhere after the header.
    /// </summary>
    public static RdbHeaderInfo? TryRead(Stream rdb)
    {
        ArgumentNullException.ThrowIfNull(rdb);
        var input = new RdbInput(rdb, BufferSize);
        var header = input.TryTake(RdbMagic.Length);
        if (!RdbMagic.TryParse(header, out var magic, out var version)) return null;

        var aux = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            while (input.PeekByte() == RdbOpcodes.Aux)
            {
                input.ReadByte("the AUX opcode");
                var name = Encoding.UTF8.GetString(input.ReadBlob("the name of an AUX field"));
                aux[name] = Encoding.UTF8.GetString(input.ReadBlob($"the value of AUX field '{name}'"));
            }
        }
        catch (RdbFormatException)
        {
            // A truncated or damaged AUX section: what was read before it still describes the file.
        }

        return new RdbHeaderInfo
        {
            Magic = magic,
            Version = version,
            RedisVersion = RdbAuxFields.ServerVersion(aux),
            CreatedAt = RdbAuxFields.CreatedAt(aux),
            UsedMemory = RdbAuxFields.UsedMemory(aux),
            Aux = aux,
        };
    }
}
