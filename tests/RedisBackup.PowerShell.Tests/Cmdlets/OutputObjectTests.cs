using System.Reflection;
using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>The objects the cmdlets emit: read-only in PowerShell, no compiler members, a useful string form, nothing of the engine's lost.</summary>
public sealed class OutputObjectTests(LiveServers servers) : IClassFixture<LiveServers>, IDisposable
{
    private readonly TempDirectory _work = new();

    [Fact]
    public void Records_are_read_only_with_no_Clone_member_and_print_as_their_path()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["src"] = servers.Source.Port, ["cat"] = _work.Combine("cat") };
        var b = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat", variables: vars).AssertClean().Objects<BackupRecord>().Single();
        var set = ps.Run("$b = Get-RedisBackup -CatalogPath $cat; $b.Name = 'other.rdb'", variables: vars);
        Assert.Contains("ReadOnly", Assert.Single(set.AllErrors).ToString(), StringComparison.Ordinal);

        var members = ps.Run("Get-RedisBackup -CatalogPath $cat | Get-Member | ForEach-Object { $_.Name + ' ' + $_.Definition }; Get-RedisBackupStats -CatalogPath $cat | Get-Member | ForEach-Object { $_.Name + ' ' + $_.Definition }; Get-RedisBackup -CatalogPath $cat | Test-RedisBackup | Get-Member | ForEach-Object { $_.Name + ' ' + $_.Definition }", variables: vars).AssertClean();
        Assert.DoesNotContain(members.Output, m => m.ToString()!.Contains("Clone", StringComparison.Ordinal));
        Assert.DoesNotContain(members.Output, m => m.ToString()!.Contains("set;", StringComparison.Ordinal));

        var text = ps.Run("$b = Get-RedisBackup -CatalogPath $cat; \"$b\"; (Get-RedisBackupStats -CatalogPath $cat).Latest.ToString()", variables: vars).AssertClean();
        Assert.Equal([b.Path, b.Path], text.Output.Select(o => o.ToString()));
    }

    [Theory]
    [InlineData("RedisBackup.PowerShell.BackupRecord", "RedisBackup.Engine.Model.BackupRecord")]
    [InlineData("RedisBackup.PowerShell.RestoreResult", "RedisBackup.Engine.Model.RestoreResult")]
    [InlineData("RedisBackup.PowerShell.VerifyResult", "RedisBackup.Engine.Operations.VerifyResult")]
    [InlineData("RedisBackup.PowerShell.CatalogStats", "RedisBackup.Engine.Catalog.CatalogStats")]
    [InlineData("RedisBackup.PowerShell.KeyFailure", "RedisBackup.Engine.Model.KeyFailure")]
    [InlineData("RedisBackup.PowerShell.FailedAttempt", "RedisBackup.Engine.Catalog.FailedAttempt")]
    [InlineData("RedisBackup.PowerShell.KeyWarning", "RedisBackup.Engine.Model.KeyWarning")]
    [InlineData("RedisBackup.PowerShell.PartialFile", "RedisBackup.Engine.Catalog.PartialFile")]
    [InlineData("RedisBackup.PowerShell.IgnoredEntry", "RedisBackup.Engine.Catalog.IgnoredEntry")]
    [InlineData("RedisBackup.PowerShell.KeyPosition", "RedisBackup.Engine.Model.KeyPosition")]
    [InlineData("RedisBackup.PowerShell.IncompleteKey", "RedisBackup.Engine.Model.IncompleteKey")]
    [InlineData("RedisBackup.PowerShell.BackupContent", "RedisBackup.Engine.Model.BackupContent")]
    [InlineData("RedisBackup.PowerShell.DatabaseContent", "RedisBackup.Engine.Model.DatabaseContent")]
    [InlineData("RedisBackup.PowerShell.KeySize", "RedisBackup.Engine.Model.KeySize")]
    // Types by name: discovery reads InlineData before the module folder is resolvable.
    public void Every_property_of_the_engine_result_reaches_PowerShell_read_only(string outputType, string engineType)
    {
        var output = typeof(BackupRecord).Assembly.GetType(outputType, throwOnError: true)!;
        var engine = typeof(RedisBackup.Engine.Catalog.BackupCatalog).Assembly.GetType(engineType, throwOnError: true)!;
        var properties = output.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        foreach (var p in engine.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.Name != "EqualityContract"))
            Assert.True(properties.Any(o => o.Name == p.Name), $"{output.Name} lacks {p.Name}: an engine result property the cmdlets would not show.");
        Assert.All(properties, p => Assert.Null(p.SetMethod));
        Assert.DoesNotContain(output.GetMethods(), m => m.Name.Contains("Clone", StringComparison.Ordinal));
    }

    public void Dispose() => _work.Dispose();
}
