namespace RedisBackup.Tests.Docker;

/// <summary>Docker tests run one at a time: they start containers on a small shared machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DockerTestGroup
{
    public const string Name = "Docker";
}
