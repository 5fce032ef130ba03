using RedisBackup.Engine.Operations;

namespace RedisBackup.Engine.Docker;

/// <summary>What a container restore needs to know about its target before anything changes.</summary>
public sealed record ContainerTarget
{
    public required string Container { get; init; }
    public required string DataDirectory { get; init; }
    public required string DbFileName { get; init; }
    public bool AppendOnly { get; init; }
    public string? ServerVersion { get; init; }
}

/// <summary>Replaces a container's RDB file and restarts it: stop, put, start, wait for loading, check the key count.</summary>
public static class ContainerRestorer
{
    /// <summary>Inspects the container and its Redis; throws NotFound / NotSupported (appendonly yes) before anything changes.</summary>
    public static Task<ContainerTarget> PrepareAsync(DockerClient docker, string container, CancellationToken cancellationToken)
        => throw new NotImplementedException();

    /// <summary>The steps <see cref="RestoreAsync"/> would run, for -WhatIf / --dry-run.</summary>
    public static IReadOnlyList<string> Plan(ContainerTarget target, string rdbFile)
        => throw new NotImplementedException();

    /// <param name="rdbFile">A plain RDB file on the local disk.</param>
    /// <param name="expectedKeys">Keys the file holds (from verification); checked with DBSIZE after the restart.</param>
    public static Task<RestoreResult> RestoreAsync(DockerClient docker, ContainerTarget target, string rdbFile, long expectedKeys, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
        => throw new NotImplementedException();
}
