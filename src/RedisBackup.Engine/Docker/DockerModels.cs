using System.Text;

namespace RedisBackup.Engine.Docker;

/// <summary>One container as listed by the engine.</summary>
public sealed record ContainerSummary(string Id, string Name, string Image, string State);

/// <summary>A container port published on the host.</summary>
internal sealed record PublishedPort(int ContainerPort, string Protocol, string HostIp, int HostPort);

/// <summary>What <c>GET /containers/{id}/json</c> says about a container, reduced to what this tool uses.</summary>
internal sealed record ContainerInfo
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string Image { get; init; } = "";
    /// <summary>created, running, paused, restarting, removing, exited or dead.</summary>
    public string Status { get; init; } = "";
    public bool Running { get; init; }
    public int ExitCode { get; init; }
    /// <summary>The process the container runs and its arguments (entrypoint + command, resolved).</summary>
    public string Path { get; init; } = "";
    public IReadOnlyList<string> Args { get; init; } = [];
    public IReadOnlyList<string> Env { get; init; } = [];
    public string User { get; init; } = "";
    /// <summary>The working directory the container's process starts in (Config.WorkingDir; empty means "/").</summary>
    public string WorkingDir { get; init; } = "";
    public bool Tty { get; init; }
    public IReadOnlyList<PublishedPort> Ports { get; init; } = [];
}

/// <summary>
/// The Redis user and password for the <c>redis-cli</c> run inside a container. The password reaches redis-cli through
/// the exec's environment (<c>REDISCLI_AUTH</c>), never its command line; the user goes as <c>--user</c>.
/// </summary>
public sealed record ContainerCredentials
{
    /// <summary>ACL user; null (or "default") means the default user, authenticated with the password only.</summary>
    public string? User { get; init; }

    public string? Password { get; init; }

    /// <summary>
    /// The credentials the fronts pass: explicit values win; with no password given, <c>REDISCLI_AUTH</c> from
    /// <paramref name="environment"/> supplies one (as for an endpoint). Null when there is neither a user nor a password.
    /// </summary>
    public static ContainerCredentials? Create(string? user, string? password, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (string.IsNullOrEmpty(password)) password = environment("REDISCLI_AUTH");
        if (string.IsNullOrEmpty(password)) password = null;
        if (string.IsNullOrEmpty(user) || user == "default") user = null;
        return user is null && password is null ? null : new ContainerCredentials { User = user, Password = password };
    }

    /// <summary>Never shows the password.</summary>
    public override string ToString() => $"ContainerCredentials {{ User = {User ?? "default"}, Password = {(Password is null ? "none" : "***")} }}";
}

/// <summary>The result of a command run inside a container.</summary>
internal sealed record ExecResult(int ExitCode, byte[] Stdout, byte[] Stderr)
{
    public string StdoutText => Encoding.UTF8.GetString(Stdout);
    public string StderrText => Encoding.UTF8.GetString(Stderr);
}

/// <summary>The X-Docker-Container-Path-Stat of a path inside a container.</summary>
internal sealed record ContainerPathStat(string Name, long Size, uint Mode, string? LinkTarget)
{
    /// <summary>Go's os.ModeDir.</summary>
    public bool IsDirectory => (Mode & (1u << 31)) != 0;

    /// <summary>Go's os.ModeSymlink.</summary>
    public bool IsSymbolicLink => (Mode & (1u << 27)) != 0;

    /// <summary>The unix permission bits.</summary>
    public UnixFileMode Permissions => (UnixFileMode)(Mode & 0x1FF);
}

/// <summary>An open <c>GET /containers/{id}/archive</c> response: a tar stream read as it arrives.</summary>
internal sealed class ContainerArchive : IAsyncDisposable, IDisposable
{
    private readonly HttpResponseMessage _response;

    internal ContainerArchive(HttpResponseMessage response, Stream tar, ContainerPathStat? stat)
    {
        _response = response;
        Tar = tar;
        Stat = stat;
    }

    /// <summary>The uncompressed tar stream.</summary>
    public Stream Tar { get; }

    public ContainerPathStat? Stat { get; }

    public async ValueTask DisposeAsync()
    {
        await Tar.DisposeAsync().ConfigureAwait(false);
        _response.Dispose();
    }

    public void Dispose()
    {
        Tar.Dispose();
        _response.Dispose();
    }
}
