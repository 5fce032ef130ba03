namespace RedisBackup.Engine.Rdb;

/// <summary>Walks a whole RDB stream without keeping values, checks the structure and the CRC64, and summarizes it.</summary>
internal static class RdbVerifier
{
    /// <summary>
    /// Verifies an RDB stream (plain; callers unwrap gzip). Throws <see cref="RdbFormatException"/> with the byte offset
    /// and what was expected when the file is corrupt or truncated. <paramref name="deep"/> also checks the inner
    /// encodings (ziplist, listpack, intset, empty collections) as redis-check-rdb does.
    /// </summary>
    public static async Task<RdbSummary> VerifyAsync(Stream rdb, bool deep = false, IProgress<long>? bytesRead = null, CancellationToken cancellationToken = default)
    {
        var reader = new RdbReader(rdb, readValues: false, deep, bytesRead);
        await reader.WalkAsync(cancellationToken).ConfigureAwait(false);
        return reader.Summary;
    }
}
