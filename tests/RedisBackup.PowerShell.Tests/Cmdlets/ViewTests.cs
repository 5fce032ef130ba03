using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>The default views, rendered by PowerShell itself (Out-String -Width) at 80 and 120 columns: no column is lost.</summary>
public sealed class ViewTests(LiveServers servers) : IClassFixture<LiveServers>, IDisposable
{
    private readonly TempDirectory _work = new();
    private string Catalog => _work.Combine("catalog");

    private (PowerShellSession Session, Dictionary<string, object?> Vars) Prepared()
    {
        var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["src"] = servers.Source.Port, ["dst"] = servers.Target.Port, ["cat"] = Catalog };
        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat | Out-Null; New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Kind Snapshot | Out-Null", variables: vars).AssertClean();
        return (ps, vars);
    }

    private static string[] Lines(PsRun run) => run.Text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void The_backup_list_shows_every_column_and_whole_names(int width)
    {
        var (ps, vars) = Prepared();
        using (ps)
        {
            var names = Directory.GetFiles(Catalog, "redis-*").Select(Path.GetFileName).Where(n => !n!.EndsWith(".json", StringComparison.Ordinal) && !n!.EndsWith(".sha256", StringComparison.Ordinal)).ToList();
            var lines = Lines(ps.Run($"Get-RedisBackup -CatalogPath $cat | Out-String -Width {width}", variables: vars).AssertClean());
            Assert.Equal(["Created", "Size", "Keys", "Verified", "Name"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.All(lines, l => Assert.True(l.Length <= width, $"'{l}' is wider than {width}"));
            foreach (var name in names) Assert.Contains(lines, l => l.EndsWith(" " + name, StringComparison.Ordinal) && l.Contains(" yes ", StringComparison.Ordinal) && l.Contains($" {LiveServers.SourceKeys} ", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void The_verification_table_keeps_the_problems(int width)
    {
        var (ps, vars) = Prepared();
        using (ps)
        {
            File.WriteAllText(Path.Combine(Catalog, "redis-backup-20200101-000000.rdb"), "not an rdb");
            var text = ps.Run($"Get-RedisBackup -CatalogPath $cat | Test-RedisBackup | Out-String -Width {width}", variables: vars).AssertClean().Text;
            Assert.Equal(["Valid", "Keys", "Name", "Problems"], Lines(ps.Run("Get-RedisBackup -CatalogPath $cat | Test-RedisBackup | Out-String -Width 80", variables: vars)).First().Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("NO", text, StringComparison.Ordinal);
            Assert.Contains("header", string.Concat(text.Where(ch => !char.IsWhiteSpace(ch))), StringComparison.Ordinal); // the problem's words, however they wrap
            Assert.All(text.Split('\n'), l => Assert.True(l.TrimEnd().Length <= width));
        }
    }

    [Fact]
    public void Stats_are_a_list_and_say_which_backups_by_name()
    {
        var (ps, vars) = Prepared();
        using (ps)
        {
            var lines = Lines(ps.Run("Get-RedisBackupStats -CatalogPath $cat | Out-String -Width 80", variables: vars).AssertClean());
            Assert.Equal(["Directory", "Backups", "Size", "Free", "Latest", "Oldest", "LatestVerified", "LastFailure"], lines.Select(l => l.Split(':')[0].Trim()));
            Assert.Contains(lines, l => l.StartsWith("Backups", StringComparison.Ordinal) && l.EndsWith(": 2 (1 snapshots, 1 key-level)", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("Latest ", StringComparison.Ordinal) && l.Contains(": redis-backup-", StringComparison.Ordinal));
            Assert.DoesNotContain("BackupRecord {", string.Join("\n", lines), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_restore_result_says_which_backup_it_restored()
    {
        var (ps, vars) = Prepared();
        using (ps)
        {
            await servers.ClearTargetAsync();
            var lines = Lines(ps.Run("Get-RedisBackup -CatalogPath $cat | Select-Object -First 1 | Restore-RedisBackup -HostName 127.0.0.1 -Port $dst -Confirm:$false | Out-String -Width 80", variables: vars).AssertClean());
            Assert.Matches(@"^Backup\s+: redis-keys-\d{8}-\d{6}\.jsonl\.gz$", lines[0]);
            Assert.Matches(@"^Target\s+: redis://127\.0\.0\.1:\d+$", lines[1]);
            Assert.Contains(lines, l => l.StartsWith("Restored ", StringComparison.Ordinal) && l.EndsWith($": {LiveServers.SourceKeys}", StringComparison.Ordinal));
        }
    }

    public void Dispose() => _work.Dispose();
}
