using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Formats;

/// <summary>Options of a key-level export.</summary>
public sealed record KeyExportOptions
{
    public IReadOnlyList<int>? Databases { get; init; }
    public string? Match { get; init; }
    public IReadOnlyList<string>? Types { get; init; }
    public bool Exact { get; init; }
}

/// <summary>What an export wrote.</summary>
public sealed record KeyExportSummary
{
    public long Keys { get; init; }
    public IReadOnlyDictionary<int, long> KeysPerDatabase { get; init; } = new Dictionary<int, long>();
    public string? ServerVersion { get; init; }
    public string? Role { get; init; }
    public long BytesWritten { get; init; }
}

/// <summary>Reads every selected key of a live server and writes our gzip JSON Lines format to a stream.</summary>
public static class KeyExporter
{
    /// <param name="destination">Receives the gzip-compressed file; left open.</param>
    public static Task<KeyExportSummary> ExportAsync(RedisEndpoint source, KeyExportOptions options, Stream destination, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
        => throw new NotImplementedException();
}
