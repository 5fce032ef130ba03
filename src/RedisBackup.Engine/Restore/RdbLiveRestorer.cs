using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>Replays an RDB file into a live server as pipelined RESTORE commands (no restart).</summary>
public static class RdbLiveRestorer
{
    /// <param name="rdb">A plain RDB stream (callers unwrap gzip).</param>
    public static Task<RestoreResult> RestoreAsync(Stream rdb, RedisEndpoint target, RestoreOptions options, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
        => throw new NotImplementedException();
}
