namespace RedisBackup.Engine.Rdb;

/// <summary>
/// The function libraries of a backup (Redis 7.0+, Valkey): each library's source code, as <c>FUNCTION LOAD</c> takes
/// it, and a <c>FUNCTION RESTORE</c> payload holding all of them, stamped with the RDB version of the server that
/// wrote them (a target older than that version refuses the payload; the code loads anywhere functions exist).
/// </summary>
internal sealed class FunctionLibraries
{
    private FunctionLibraries(byte[] payload, IReadOnlyList<byte[]> code, ushort version)
    {
        Payload = payload;
        Code = code;
        Version = version;
        Names = code.Select((c, i) => FunctionPayload.NameOf(c) ?? $"library {i + 1}").ToArray();
    }

    /// <summary>The <c>FUNCTION DUMP</c> payload (as the source gave it, or built from the code).</summary>
    public byte[] Payload { get; }

    /// <summary>Each library's source code, in payload order.</summary>
    public IReadOnlyList<byte[]> Code { get; }

    /// <summary>Each library's name (from its <c>#!lua name=…</c> line), in payload order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The RDB version stamped in the payload.</summary>
    public ushort Version { get; }

    public int Count => Code.Count;

    /// <summary>From a <c>FUNCTION DUMP</c> payload; throws <see cref="FormatException"/> when it is damaged.</summary>
    public static FunctionLibraries FromPayload(byte[] payload)
    {
        var code = FunctionPayload.Libraries(payload, out var version);
        return new FunctionLibraries(payload, code, version);
    }

    /// <summary>From an RDB file's FUNCTION2 records (the code) and the file's RDB version.</summary>
    public static FunctionLibraries FromCode(IReadOnlyList<byte[]> code, int rdbVersion)
    {
        ArgumentNullException.ThrowIfNull(code);
        var version = checked((ushort)rdbVersion);
        return new FunctionLibraries(FunctionPayload.Create(code, version), code.ToArray(), version);
    }

    /// <summary>A payload holding one of the libraries, with this set's version (for restoring them one at a time).</summary>
    public byte[] PayloadOf(int index) => FunctionPayload.Create([Code[index]], Version);
}
