namespace RedisBackup.Engine.Rdb;

/// <summary>
/// Streaming RDB reader: header, AUX, SELECTDB, RESIZEDB, expiry/idle/freq prefixes, every value type by its layout,
/// and the trailing CRC64. Yields one <see cref="RdbEntry"/> per key; memory stays bounded by the largest single value.
/// </summary>
public sealed class RdbReader
{
    /// <param name="rdb">A plain RDB stream (callers unwrap gzip); not disposed by the reader.</param>
    /// <param name="readValues">False skips value bytes (verification walk); entries then carry Value = null.</param>
    public RdbReader(Stream rdb, bool readValues = true) => throw new NotImplementedException();

    /// <summary>The RDB version from the header (e.g. 10 for Redis 7.0), after the first read.</summary>
    public int Version => throw new NotImplementedException();

    /// <summary>The next key, or null at the end of the file (after the EOF opcode and the checksum were checked).</summary>
    public ValueTask<RdbEntry?> ReadNextAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The summary of everything read; complete once <see cref="ReadNextAsync"/> has returned null.</summary>
    public RdbSummary Summary => throw new NotImplementedException();
}
