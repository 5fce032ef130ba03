using System.Management.Automation;
using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>
/// The PowerShell side of the catalog's promises (issue 9, findings 7 and 13 of issue 10), run in PowerShell 7.6 against
/// real servers: an unknown -Type is refused while binding, a missing catalog is an error in Get-RedisBackup and
/// Get-RedisBackupStats, a .partial file left by a killed run is reported, and a shrunk backup holds retention back.
/// </summary>
public sealed class CatalogSafetyTests(LiveServers servers) : IClassFixture<LiveServers>, IDisposable
{
    private readonly TempDirectory _work = new();
    private string Catalog => _work.Combine("catalog");
    private Dictionary<string, object?> Vars => new() { ["src"] = servers.Source.Port, ["cat"] = Catalog };

    [Fact]
    public void An_unknown_Type_is_refused_while_binding_and_nothing_is_written()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var run = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Type strng; 'not reached'", variables: Vars);
        Assert.NotNull(run.Terminating);
        Assert.Equal("ParameterArgumentValidationError,RedisBackup.PowerShell.Commands.NewRedisBackupCommand", run.Terminating.FullyQualifiedErrorId);
        Assert.Contains("'strng' is not a key type", run.Terminating.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(run.Output);
        Assert.False(Directory.Exists(Catalog));

        var strings = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Type String, HASH", variables: Vars).AssertClean();
        Assert.Equal(5, Assert.Single(strings.Objects<BackupRecord>()).KeyCount); // greeting, session:1, session:2, other-db, user:1
    }

    [Theory]
    [InlineData("Get-RedisBackup")]
    [InlineData("Get-RedisBackupStats")]
    public void A_catalog_path_that_does_not_exist_is_a_non_terminating_CatalogNotFound(string cmdlet)
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var typo = _work.Combine("typo");
        var run = ps.Run($"{cmdlet} -CatalogPath ./typo; $ok = $?; 'went on'; $ok");
        Assert.Null(run.Terminating);
        var error = Assert.Single(run.Errors);
        Assert.Equal($"CatalogNotFound,RedisBackup.PowerShell.Commands.{cmdlet.Replace("-", "", StringComparison.Ordinal)}Command", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(typo, error.TargetObject);
        Assert.Contains(typo, error.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("--", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(["went on", "False"], run.Output.Select(o => o.ToString()));
        Assert.False(Directory.Exists(typo)); // looking never creates it

        var stop = ps.Run($"{cmdlet} -CatalogPath ./typo -ErrorAction Stop; 'not reached'");
        Assert.StartsWith("CatalogNotFound,", stop.Terminating?.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Empty(stop.Output);
    }

    [Fact]
    public void Stats_report_a_partial_file_left_by_a_killed_run_and_the_next_backup_removes_it()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat | Out-Null", variables: Vars).AssertClean();
        var stale = Path.Combine(Catalog, ".redis-keys-20260101-000000.jsonl.gz.0123456789ab.partial");
        File.WriteAllText(stale, "left by a killed run");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddMinutes(-10));

        var run = ps.Run("Get-RedisBackupStats -CatalogPath $cat", variables: Vars).AssertClean();
        var stats = Assert.Single(run.Objects<CatalogStats>());
        var partial = Assert.Single(stats.PartialFiles);
        Assert.Equal((Path.GetFileName(stale), true, 20L), (partial.Name, partial.Stale, partial.SizeBytes));
        Assert.StartsWith("1 partial file(s) left by interrupted runs", Assert.Single(run.Warnings), StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(stale), run.Warnings[0], StringComparison.Ordinal);

        var view = ps.Run("Get-RedisBackupStats -CatalogPath $cat -WarningAction SilentlyContinue | Out-String -Width 200", variables: Vars).AssertClean().Text;
        Assert.Matches(@"PartialFiles\s+: \.redis-keys-20260101-000000\.jsonl\.gz\.0123456789ab\.partial \(20 B, left by an interrupted run\)", view);

        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat | Out-Null", variables: Vars).AssertClean();
        Assert.False(File.Exists(stale));
        var after = ps.Run("Get-RedisBackupStats -CatalogPath $cat", variables: Vars).AssertClean();
        Assert.Empty(after.Warnings);
        Assert.Empty(Assert.Single(after.Objects<CatalogStats>()).PartialFiles);
    }

    [Fact]
    public async Task A_shrunk_backup_holds_retention_back_with_a_warning_unless_AllowShrink()
    {
        await using var shrinking = await RedisServer.StartAsync();
        await LiveServers.Fill(shrinking);
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?>(Vars) { ["src"] = shrinking.Port };
        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Keep 1 | Out-Null", variables: vars).AssertClean();
        await using (var c = await shrinking.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "FLUSHALL");

        var held = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Keep 1", variables: vars).AssertClean();
        Assert.Single(held.Objects<BackupRecord>()); // the backup itself succeeded
        Assert.StartsWith("Retention was held back: the new backup", Assert.Single(held.Warnings), StringComparison.Ordinal);
        Assert.Equal(2, ps.Run("@(Get-RedisBackup -CatalogPath $cat).Count", variables: vars).AssertClean().Objects<int>().Single());

        var allowed = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Keep 1 -AllowShrink", variables: vars).AssertClean();
        Assert.Empty(allowed.Warnings);
        Assert.Equal(1, ps.Run("@(Get-RedisBackup -CatalogPath $cat).Count", variables: vars).AssertClean().Objects<int>().Single());
    }

    public void Dispose() => _work.Dispose();
}
