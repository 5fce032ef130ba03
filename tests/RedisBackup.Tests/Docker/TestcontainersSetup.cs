using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Docker.DotNet;
using Docker.DotNet.Handler.Abstractions;
using Docker.DotNet.Models;
using Version = System.Version;
using DotNet.Testcontainers.Configurations;

namespace RedisBackup.Tests.Docker;

/// <summary>
/// How the Docker tests use Testcontainers, the same for a developer's plain <c>dotnet test</c> as in CI:
/// <list type="bullet">
/// <item>No Ryuk (its image cannot be pulled here): each fixture removes its own containers, and the first fixture of a
/// test process removes the containers of test processes that no longer run (they carry <see cref="OwnerLabel"/>).</item>
/// <item>Containers are reached at 127.0.0.1 (TESTCONTAINERS_HOST_OVERRIDE; the ports are published on loopback only),
/// never at the bridge gateway address Testcontainers reports from inside a container.</item>
/// <item>The Docker API version is the one the product's own client negotiates with the engine, given to Testcontainers
/// through its endpoint configuration: Testcontainers 4.16 asks for 1.44, which Docker 20.10 refuses. DOCKER_API_VERSION
/// is never set by the tests, so the product's client goes on negotiating by itself.</item>
/// </list>
/// </summary>
internal static class TestcontainersSetup
{
    /// <summary>Every test container and image carries this label.</summary>
    public const string Label = "redisbackup.test";

    /// <summary>The test process that owns a container: "machine:pid@start-ticks".</summary>
    public const string OwnerLabel = "redisbackup.test.owner";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static IDockerEndpointAuthenticationConfiguration? _endpoint;

    /// <summary>This test process as <see cref="OwnerLabel"/> names it.</summary>
    public static string Owner { get; } = OwnerOf(Environment.ProcessId) ?? throw new InvalidOperationException("The test process has no start time.");

#pragma warning disable CA2255 // A test assembly: set before any test runs, on purpose.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void UseLocalSettings()
    {
        // Read by Testcontainers when it first initialises; a value the developer set stays.
        SetUnlessGiven("TESTCONTAINERS_RYUK_DISABLED", "true");
        SetUnlessGiven("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1");
    }

    private static void SetUnlessGiven(string name, string value)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) Environment.SetEnvironmentVariable(name, value);
    }

    /// <summary>
    /// The engine endpoint every builder of the tests takes (WithDockerEndpoint). The first call negotiates the API
    /// version and removes the containers that test processes which no longer run left behind.
    /// </summary>
    public static async Task<IDockerEndpointAuthenticationConfiguration> EndpointAsync(CancellationToken cancellationToken)
    {
        if (_endpoint is not null) return _endpoint;
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_endpoint is not null) return _endpoint;
            string version;
            using (var docker = Engine.Docker.DockerClient.FromEnvironment()) version = await docker.GetApiVersionAsync(cancellationToken);
            // Testcontainers' own probe of the engine runs at its default API version: on an engine that refuses it, it
            // finds none, and the endpoint is the one DOCKER_HOST (or the platform's default socket) names.
            var detected = TestcontainersSettings.OS.DockerEndpointAuthConfig;
            var endpoint = new NegotiatedEndpoint(detected ?? new DockerEndpointAuthenticationConfiguration(DefaultEndpoint()),
                Version.Parse(version));
            await RemoveStaleContainersAsync(endpoint, cancellationToken);
            _endpoint = endpoint;
            return endpoint;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static Uri DefaultEndpoint()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(host)) return new Uri(host);
        return OperatingSystem.IsWindows() ? new Uri("npipe://./pipe/docker_engine") : new Uri("unix:///var/run/docker.sock");
    }

    /// <summary>Removes (with their volumes) the test containers whose owning process on this machine has ended.</summary>
    internal static async Task RemoveStaleContainersAsync(CancellationToken cancellationToken)
        => await RemoveStaleContainersAsync(await EndpointAsync(cancellationToken), cancellationToken);

    private static async Task RemoveStaleContainersAsync(IDockerEndpointAuthenticationConfiguration endpoint, CancellationToken cancellationToken)
    {
        using var client = endpoint.GetDockerClientBuilder(Guid.Empty).Build();
        var containers = await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [OwnerLabel] = true } },
        }, cancellationToken);
        foreach (var container in containers)
        {
            if (!container.Labels.TryGetValue(OwnerLabel, out var owner) || !IsStale(owner)) continue;
            try
            {
                await client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken);
            }
            catch (DockerContainerNotFoundException)
            {
                // Another test process removed it first.
            }
        }
    }

    /// <summary>True when <paramref name="owner"/> names a process of this machine that no longer runs (or a reused pid).</summary>
    internal static bool IsStale(string owner)
    {
        var colon = owner.LastIndexOf(':');
        var at = owner.LastIndexOf('@');
        if (colon < 0 || at < colon || owner[..colon] != Environment.MachineName) return false; // another machine's, or not ours to judge
        if (!int.TryParse(owner.AsSpan(colon + 1, at - colon - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(owner.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)) return false;
        var current = OwnerOf(pid);
        if (current is null) return true;
        // The start time is read anew each time: allow for rounding of the boot time it is computed from.
        var now = long.Parse(current.AsSpan(current.LastIndexOf('@') + 1), NumberStyles.None, CultureInfo.InvariantCulture);
        return Math.Abs(now - ticks) > TimeSpan.TicksPerSecond;
    }

    /// <summary>"machine:pid@start-ticks" of a running process, or null when there is none with that pid.</summary>
    private static string? OwnerOf(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{pid}@{process.StartTime.ToUniversalTime().Ticks}");
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>Testcontainers' endpoint (socket and credentials) at the negotiated API version.</summary>
    private sealed class NegotiatedEndpoint(IDockerEndpointAuthenticationConfiguration inner, Version version) : IDockerEndpointAuthenticationConfiguration
    {
        public Version Version => version;

        public Uri Endpoint => inner.Endpoint;

        public IAuthProvider AuthProvider => inner.AuthProvider;

        public DockerClientBuilder GetDockerClientBuilder(Guid sessionId) => inner.GetDockerClientBuilder(sessionId).WithApiVersion(version);
    }
}
