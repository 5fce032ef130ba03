using RedisBackup.Engine.Docker;

namespace RedisBackup.Tests.Docker;

/// <summary>
/// A fact that needs a Docker engine. It is skipped when none answers, unless REDISBACKUP_REQUIRE_DOCKER=1
/// (set in CI), in which case it runs and fails.
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("REDISBACKUP_REQUIRE_DOCKER") == "1") return;
        var problem = DockerAvailability.Problem.Value;
        if (problem is not null) Skip = $"No Docker engine answers ({problem}). Set REDISBACKUP_REQUIRE_DOCKER=1 to make this a failure.";
    }
}

internal static class DockerAvailability
{
    /// <summary>Null when an engine answered /_ping, else why not. Checked once per test run.</summary>
    public static readonly Lazy<string?> Problem = new(() =>
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
