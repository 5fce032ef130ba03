using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Operations;

/// <summary>A request to restore one backup file.</summary>
public sealed record RestoreRequest
{
    /// <summary>The backup file (any supported format; the format is detected from its content).</summary>
    public required string Path { get; init; }

    /// <summary>A live server to restore into. Exactly one of <see cref="Endpoint"/> and <see cref="Container"/>.</summary>
    public RedisEndpoint? Endpoint { get; init; }

    /// <summary>A Docker container whose data file is replaced (RDB snapshots only).</summary>
    public string? Container { get; init; }

    /// <summary>Container restore: the Redis user and password for the redis-cli run inside the container (never on its command line).</summary>
    public Docker.ContainerCredentials? ContainerCredentials { get; init; }

    public RestoreOptions Options { get; init; } = new();

    /// <summary>Skip the integrity check that otherwise runs before every restore.</summary>
    public bool SkipVerify { get; init; }

    /// <summary>Container restore: skip the safety snapshot of the current data.</summary>
    public bool SkipSafetySnapshot { get; init; }

    /// <summary>Catalog directory for the safety snapshot (null: the default catalog).</summary>
    public string? SafetySnapshotDirectory { get; init; }
}
