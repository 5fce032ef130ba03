using RedisBackup.Engine.Operations;

namespace RedisBackup.Engine.Redis;

public sealed record ReplicationSnapshotInfo
{
    public long Bytes { get; init; }
    /// <summary>True when the server sent the $EOF:&lt;mark&gt; (diskless) form.</summary>
    public bool Diskless { get; init; }
    public string? ServerVersion { get; init; }
}

/// <summary>Downloads an RDB snapshot over the replication protocol (REPLCONF + SYNC), as redis-cli --rdb does.</summary>
public static class ReplicationSnapshot
{
    public static Task<ReplicationSnapshotInfo> DownloadAsync(RedisEndpoint source, Stream destination, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
        => throw new NotImplementedException();
}
