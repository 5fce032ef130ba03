using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>Restores a key-level backup (our JSON Lines format, or a seed-service JSON file) into a live server.</summary>
public static class KeyRestorer
{
    /// <param name="source">The decompressed-or-not file stream; gzip is detected from the content.</param>
    public static Task<RestoreResult> RestoreAsync(Stream source, RedisEndpoint target, RestoreOptions options, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
        => throw new NotImplementedException();
}
