using System.Management.Automation;
using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Docker;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>Tab completion as the console asks for it (CommandCompletion.CompleteInput in the session).</summary>
/// <remarks>With the container tests: xunit enforces the timeout of one of them only outside parallel collections.</remarks>
[Collection(ContainerTestGroup.Name)]
public sealed class CompletionTests(LiveServers servers) : IClassFixture<LiveServers>, IDisposable
{
    private readonly TempDirectory _work = new();

    private static List<string> Complete(PowerShellSession session, string input)
    {
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = session.Runspace;
        return CommandCompletion.CompleteInput(input, input.Length, null, ps).CompletionMatches.Select(m => m.CompletionText).ToList();
    }

    [Fact]
    public void Backup_names_complete_from_the_typed_catalog_newest_first_on_every_cmdlet_that_takes_a_name()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var made = ps.Run("'a', 'b' | ForEach-Object { New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath ./cat -Label $_ }",
            variables: new Dictionary<string, object?> { ["src"] = servers.Source.Port }).AssertClean().Objects<BackupRecord>().Select(b => b.Name).ToList();
        foreach (var command in new[] { "Get-RedisBackup -CatalogPath ./cat -Name ", "Remove-RedisBackup -Directory ./cat -Name ", "Restore-RedisBackup -CatalogPath ./cat -Name ",
                     "Test-RedisBackup -CatalogPath ./cat -Name ", "Copy-RedisBackup -CatalogPath ./cat -Name " })
            Assert.Equal([made[1], made[0]], Complete(ps, command + "redis-k"));
        Assert.Equal([made[0]], Complete(ps, "Get-RedisBackup -CatalogPath ./cat -Name *-a.*"));
    }

    [Fact]
    public void Types_kinds_and_parameters_complete()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        Assert.Equal(["hash"], Complete(ps, "New-RedisBackup -Type h"));
        Assert.Equal(["set", "stream", "string"], Complete(ps, "New-RedisBackup -Type s").Order(StringComparer.Ordinal));
        Assert.Equal(["KeyLevel", "Snapshot"], Complete(ps, "New-RedisBackup -Kind "));
        Assert.Contains("-CatalogPath", Complete(ps, "Restore-RedisBackup -Cat"));
        Assert.Equal(["Absolute", "Relative"], Complete(ps, "Restore-RedisBackup -TtlMode "));
    }

    [DockerFact]
    public async Task Running_containers_complete()
    {
        using var docker = Engine.Docker.DockerClient.FromEnvironment();
        await using var container = await RedisBackup.Tests.Docker.RedisContainer.StartAsync(docker);
        using var ps = new PowerShellSession(location: _work.Path);
        Assert.Contains(container.Name, Complete(ps, "New-RedisBackup -Container redisbackup-test-"));
    }

    public void Dispose() => _work.Dispose();
}
