namespace RedisBackup.Engine.Docker;

/// <summary>The running containers of the Docker engine the environment names (DOCKER_HOST, else the local socket), for completion in the fronts.</summary>
public static class RunningContainers
{
    /// <summary>Lists the running containers; throws when Docker does not answer.</summary>
    public static async Task<IReadOnlyList<ContainerSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        using var docker = DockerClient.FromEnvironment();
        return await docker.ListContainersAsync(all: false, cancellationToken).ConfigureAwait(false);
    }
}
