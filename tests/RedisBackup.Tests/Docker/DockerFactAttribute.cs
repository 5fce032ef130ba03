using RedisBackup.Engine.Docker;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Docker;

/// <summary>
/// A fact that needs a Docker engine. It is skipped when none answers, unless REDISBACKUP_REQUIRE_DOCKER=1
/// (set in CI), in which case it runs and fails. It fails after <see cref="DefaultTimeout"/> unless it sets its own
/// Timeout (xunit enforces it on async tests, which every container test is).
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    /// <summary>Three minutes: the slowest container test takes about a minute on a loaded two-core machine.</summary>
    public const int DefaultTimeout = 180_000;

    public DockerFactAttribute()
    {
        Timeout = DefaultTimeout;
        if (DockerAvailability.Problem() is { } problem) Skip = problem;
    }
}

/// <summary>
/// A theory over server builds (usually <see cref="ServerVersions.Names"/>) that needs a Docker engine as well: skipped
/// or failed as <see cref="DockerFactAttribute"/> is, with the same timeout; a missing build fails it as
/// <see cref="ServerTheoryAttribute"/> does.
/// </summary>
public sealed class DockerServerTheoryAttribute : TheoryAttribute
{
    public DockerServerTheoryAttribute()
    {
        Timeout = DockerFactAttribute.DefaultTimeout;
        if (DockerAvailability.Problem() is { } problem) Skip = problem;
    }
}

internal static class DockerAvailability
{
    /// <summary>Why Docker tests are skipped here; null when they run (an engine answered, or REDISBACKUP_REQUIRE_DOCKER=1).</summary>
    public static string? Problem()
    {
        if (Environment.GetEnvironmentVariable("REDISBACKUP_REQUIRE_DOCKER") == "1") return null;
        return EngineProblem.Value is { } problem ? $"No Docker engine answers ({problem}). Set REDISBACKUP_REQUIRE_DOCKER=1 to make this a failure." : null;
    }

    /// <summary>Null when an engine answered /_ping, else why not. Checked once per test run.</summary>
    private static readonly Lazy<string?> EngineProblem = new(() =>
    {
        try
        {
            using var docker = DockerClient.FromEnvironment();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            docker.GetApiVersionAsync(cts.Token).GetAwaiter().GetResult();
            return null;
        }
        catch (Exception ex)
        {
            return ex.Message;
        }
    });
}
