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
        Assert.Equal(Engine.Model.BackupKind.Snapshot, backup.Kind);
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
    public async Task A_stopped_container_without_a_data_file_is_a_non_terminating_ResourceUnavailable_error()
    {
        using var docker = DockerClient.FromEnvironment();
        await using var container = await RedisContainer.StartAsync(docker);
        await docker.StopContainerAsync(container.Name, TimeSpan.FromSeconds(5)); // no save points: no data file either
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["name"] = container.Name, ["cat"] = Catalog };

        var run = ps.Run("New-RedisBackup -Container $name -CatalogPath $cat; 'went on'", variables: vars);
        Assert.Null(run.Terminating);
        var error = Assert.Single(run.Errors);
        Assert.StartsWith("ContainerNotRunning,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Equal("container:" + container.Name, error.TargetObject);
        Assert.Equal("went on", run.Text);
    }

    [DockerFact]
    public async Task A_stopped_container_is_restored_and_started_and_its_safety_snapshot_goes_back_with_the_documented_command()
    {
        using var docker = DockerClient.FromEnvironment();
        await using var container = await RedisContainer.StartAsync(docker);
        await container.ExecuteAsync("SET", "k1", "v1");
        await container.ExecuteAsync("HSET", "h", "f", "v");
        var backedUp = await container.DigestAsync();
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["name"] = container.Name, ["cat"] = Catalog };
        ps.Run("New-RedisBackup -Container $name -CatalogPath $cat | Out-Null", variables: vars).AssertClean();
        await container.ExecuteAsync("SET", "added-later", "x");
        await container.SaveAsync();
        var before = await container.DigestAsync();
        await docker.StopContainerAsync(container.Name, TimeSpan.FromSeconds(10));

        var run = ps.Run("Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -Container $name -CatalogPath $cat -Confirm:$false", variables: vars).AssertClean();
        var result = Assert.Single(run.Objects<RestoreResult>());
        Assert.Equal(2, result.Restored);
        Assert.NotNull(result.SafetySnapshot); // the stopped container's data file, as it was
        Assert.False(string.IsNullOrEmpty(result.Checked));
        Assert.Null(result.InterruptedRestoreCopy);
        Assert.True(await container.IsRunningAsync());
        await container.WaitReadyAsync();
        Assert.Equal(backedUp, await container.DigestAsync());
        var view = ps.Run("$r | Out-String -Width 200", variables: new Dictionary<string, object?> { ["r"] = result }).AssertClean().Text;
        Assert.Matches(@"Checked\s+: \S", view);
        Assert.Matches(@"SafetySnapshot\s+: redis-backup-\d{8}-\d{6}-pre-restore\.rdb\.gz", view);

        // The command help and the error messages name: the safety snapshot, into the stopped container, no new snapshot.
        await docker.StopContainerAsync(container.Name, TimeSpan.FromSeconds(10));
        vars["snapshot"] = result.SafetySnapshot.Path;
        var undo = ps.Run("Restore-RedisBackup -LiteralPath $snapshot -Container $name -SkipSafetySnapshot -Confirm:$false", variables: vars).AssertClean();
        Assert.Null(Assert.Single(undo.Objects<RestoreResult>()).SafetySnapshot);
        await container.WaitReadyAsync();
        Assert.Equal(before, await container.DigestAsync());
    }

    public void Dispose() => _work.Dispose();
}

/// <summary>Container tests of this assembly run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ContainerTestGroup
{
    public const string Name = "Containers";
}
