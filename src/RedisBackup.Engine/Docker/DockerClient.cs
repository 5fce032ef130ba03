namespace RedisBackup.Engine.Docker;

/// <summary>One container as listed by the engine.</summary>
public sealed record ContainerSummary(string Id, string Name, string Image, string State);

/// <summary>A small Docker Engine API client over the unix socket, the Windows named pipe, or TCP (TLS).</summary>
public sealed class DockerClient : IDisposable
{
    private DockerClient() { }

    /// <summary>Honours DOCKER_HOST, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY; defaults to the platform's local engine.</summary>
    public static DockerClient FromEnvironment(Func<string, string?>? environment = null) => throw new NotImplementedException();

    /// <summary>Containers known to the engine (running only by default); used by argument completion.</summary>
    public Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(bool all = false, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public void Dispose() { }
}
