namespace RedisBackup.Engine.Formats;

/// <summary>What a check of a key-level file found.</summary>
public sealed record KeyFileSummary
{
    public long Keys { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public string? ServerVersion { get; init; }
    public string? Source { get; init; }
    /// <summary>True for the seed service's single-object JSON format.</summary>
    public bool IsSeedFormat { get; init; }
}

/// <summary>Checks a key-level file end to end: gzip integrity, every record parses, the trailer's counts match.</summary>
public static class KeyFileVerifier
{
    /// <summary>Throws RedisBackupException(InvalidData, "BackupCorrupt"/"BackupTruncated") with details when the file is bad.</summary>
    public static Task<KeyFileSummary> VerifyAsync(Stream file, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();
}
