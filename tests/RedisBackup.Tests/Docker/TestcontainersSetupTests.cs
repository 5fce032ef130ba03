using System.Diagnostics;
using System.Globalization;
using RedisBackup.Engine.Docker;

namespace RedisBackup.Tests.Docker;

/// <summary>What a crashed test run leaves is removed by the next one; the containers of running test processes are not.</summary>
[Collection(DockerTestGroup.Name)]
public sealed class TestcontainersSetupTests : IDisposable
{
    private readonly DockerClient _docker = DockerClient.FromEnvironment();

    public void Dispose() => _docker.Dispose();

    /// <summary>The owner label of a process of this machine that has ended.</summary>
    private static string EndedOwner()
    {
        using var ended = Process.Start("true")!;
        ended.WaitForExit();
        return string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{ended.Id}@{DateTime.UtcNow.Ticks}");
    }

    [Fact]
    public void Only_a_process_of_this_machine_that_no_longer_runs_makes_a_container_stale()
    {
        Assert.False(TestcontainersSetup.IsStale(TestcontainersSetup.Owner));
        Assert.True(TestcontainersSetup.IsStale(EndedOwner()));
        // A pid that runs again, for another process (another start time).
        Assert.True(TestcontainersSetup.IsStale(string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}@12345")));
        // Another machine's test process, or a label this code did not write: not ours to judge.
        Assert.False(TestcontainersSetup.IsStale("another-machine:1@12345"));
        Assert.False(TestcontainersSetup.IsStale("no owner"));
        Assert.False(TestcontainersSetup.IsStale($"{Environment.MachineName}:1@not-a-time"));
    }

    [DockerFact]
    public async Task Containers_of_a_test_process_that_ended_are_removed_and_those_of_running_ones_kept()
    {
        var endedOwner = EndedOwner();
        await using var stale = await RedisContainer.StartAsync(_docker, configure: p => p.Labels[TestcontainersSetup.OwnerLabel] = endedOwner);
        await using var live = await RedisContainer.StartAsync(_docker);

        await TestcontainersSetup.RemoveStaleContainersAsync(CancellationToken.None);

        var all = await _docker.ListContainersAsync(all: true);
        Assert.DoesNotContain(all, c => c.Name == stale.Name);
        Assert.Contains(all, c => c.Name == live.Name && c.State == "running");
    }

    [DockerFact]
    public async Task A_server_that_exits_at_start_fails_the_fixture_at_once_with_its_log_and_is_removed()
    {
        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => RedisContainer.StartAsync(_docker, ["--no-such-option", "x"]));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        var message = ex.ToString();
        Assert.Contains("exited", message, StringComparison.Ordinal);
        Assert.Contains("no-such-option", message, StringComparison.Ordinal);
        Assert.DoesNotContain(await _docker.ListContainersAsync(all: true), c => message.Contains(c.Name, StringComparison.Ordinal));
    }
}
