using System.Management.Automation;
using RedisBackup.Engine.Docker;
using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Docker;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>The cmdlets against a real Redis container (an image built from the host's binaries, see RedisImage).</summary>
[Collection(ContainerTestGroup.Name)]
public sealed class ContainerTests : IDisposable
{
    private readonly TempDirectory _work = new();
    private string Catalog => _work.Combine("catalog");

    [DockerFact]
    public async Task Snapshot_a_container_then_restore_it_into_the_container_with_a_safety_snapshot()
    {
        using var docker = DockerClient.FromEnvironment();
        await using var container = await RedisContainer.StartAsync(docker);
        await container.ExecuteAsync("SET", "k1", "v1");
        await container.ExecuteAsync("HSET", "h", "f", "v");
        var digest = await container.DigestAsync();
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["name"] = container.Name, ["cat"] = Catalog };

        var backup = ps.Run("New-RedisBackup -Container $name -CatalogPath $cat -Keep 3", variables: vars).AssertClean().Objects<BackupRecord>().Single();
        Assert.Equal(Engine.Catalog.BackupKind.Snapshot, backup.Kind);
        Assert.Equal(2, backup.KeyCount);

        await container.ExecuteAsync("FLUSHALL");
        await container.ExecuteAsync("SET", "added-later", "x");
        var run = ps.Run("Get-RedisBackup -CatalogPath $cat | Select-Object -Last 1 | Restore-RedisBackup -Container $name -CatalogPath $cat -Confirm:$false", variables: vars).AssertClean();
        var result = Assert.Single(run.Objects<RestoreResult>());
        Assert.Equal("container", result.Method);
        Assert.NotNull(result.SafetySnapshot);
        Assert.Equal(Catalog, Path.GetDirectoryName(result.SafetySnapshot.Path)); // -CatalogPath holds the safety snapshot
        await container.WaitReadyAsync();
        Assert.Equal(digest, await container.DigestAsync());
    }

    [DockerFact]
    public async Task A_stopped_container_is_a_non_terminating_ResourceUnavailable_error()
    {
        using var docker = DockerClient.FromEnvironment();
        await using var container = await RedisContainer.StartAsync(docker);
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["name"] = container.Name, ["cat"] = Catalog };
        var backup = ps.Run("New-RedisBackup -Container $name -CatalogPath $cat", variables: vars).AssertClean().Objects<BackupRecord>().Single();
        await docker.StopContainerAsync(container.Name);

        var run = ps.Run("$b = Get-RedisBackup -CatalogPath $cat; Restore-RedisBackup -InputObject $b -Container $name -Confirm:$false; 'went on'", variables: vars);
        Assert.Null(run.Terminating);
        var error = Assert.Single(run.Errors);
        Assert.StartsWith("ContainerNotRunning,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Equal(backup.Path, error.TargetObject);
        Assert.Equal("went on", run.Text);
    }

    public void Dispose() => _work.Dispose();
}

/// <summary>Container tests of this assembly run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ContainerTestGroup
{
    public const string Name = "Containers";
}
