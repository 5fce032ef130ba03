using RedisBackup.Engine.Operations;

namespace RedisBackup.Engine.Docker;

public sealed record ContainerSnapshotInfo
{
    public required string Container { get; init; }
    public string? ServerVersion { get; init; }
    /// <summary>Path of the RDB file inside the container (CONFIG GET dir + dbfilename).</summary>
    public string? RdbPath { get; init; }
    public long Bytes { get; init; }
}

/// <summary>BGSAVE inside a container, wait for it, then stream the RDB out of the container's archive.</summary>
public static class ContainerSnapshotSource
{
    /// <param name="destination">Receives the plain RDB bytes; left open.</param>
    public static Task<ContainerSnapshotInfo> DownloadAsync(DockerClient docker, string container, Stream destination, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
        => throw new NotImplementedException();
}
