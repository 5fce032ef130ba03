namespace RedisBackup.Engine.Docker;

/// <summary>A small Docker Engine API client over the unix socket, the Windows named pipe, or TCP (TLS).</summary>
public sealed class DockerClient : IDisposable
{
    private DockerClient() { }

    /// <summary>Honours DOCKER_HOST, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY; defaults to the platform's local engine.</summary>
    public static DockerClient FromEnvironment(Func<string, string?>? environment = null) => throw new NotImplementedException();

    public void Dispose() { }
}
