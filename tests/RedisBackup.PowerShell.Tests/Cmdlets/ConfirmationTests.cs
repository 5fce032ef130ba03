using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>-WhatIf changes nothing and says what would happen; -Confirm asks through the host (answered here by the test host).</summary>
public sealed class ConfirmationTests(LiveServers servers) : IClassFixture<LiveServers>, IDisposable
{
    private readonly TempDirectory _work = new();
    private string Catalog => _work.Combine("catalog");
    private Dictionary<string, object?> Vars => new() { ["src"] = servers.Source.Port, ["dst"] = servers.Target.Port, ["cat"] = Catalog };

    private static string[] Backups(string directory)
        => Directory.Exists(directory) ? Directory.GetFiles(directory).Select(f => Path.GetFileName(f)!).Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToArray() : [];

    [Fact]
    public void WhatIf_creates_nothing_and_lists_the_steps()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var run = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Keep 3 -WhatIf", variables: Vars).AssertClean();
        var text = ps.Host.TakeText();
        Assert.False(Directory.Exists(Catalog));
        Assert.Contains("What if: Back up redis://127.0.0.1:", text, StringComparison.Ordinal);
        Assert.Contains("Apply retention to the backups of the same source and kind: keep the newest 3 (held back if the new backup holds no keys", text, StringComparison.Ordinal);

        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Keep 3 -AllowShrink -WhatIf", variables: Vars).AssertClean();
        var allowed = ps.Host.TakeText();
        Assert.Contains("Apply retention to the backups of the same source and kind: keep the newest 3", allowed, StringComparison.Ordinal);
        Assert.DoesNotContain("held back", allowed, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Catalog));
    }

    [Theory]
    [InlineData("90", "90 days")]
    [InlineData("'90'", "90 days")]
    [InlineData("1.5", "1.5 days")]
    [InlineData("(New-TimeSpan -Hours 12)", "12 hours")]
    [InlineData("'14.00:00:00'", "14 days")]
    public void MaxAge_as_a_number_is_days_and_WhatIf_says_the_real_age(string value, string words)
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var run = ps.Run($"New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -MaxAge {value} -WhatIf", variables: Vars).AssertClean();
        Assert.Contains($"remove backups older than {words}", ps.Host.TakeText(), StringComparison.Ordinal);
    }

    [Fact]
    public void MaxAge_90_keeps_backups_made_a_moment_ago()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        ps.Run("1..2 | ForEach-Object { New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat } | Out-Null", variables: Vars).AssertClean();
        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -MaxAge 90 | Out-Null", variables: Vars).AssertClean();
        Assert.Equal(9, Backups(Catalog).Length); // three backups, each with its two sidecars: none is 90 days old
        var bad = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -MaxAge 'soon'", variables: Vars);
        Assert.Equal("ParameterArgumentTransformationError,RedisBackup.PowerShell.Commands.NewRedisBackupCommand", bad.Terminating?.FullyQualifiedErrorId);
    }

    [Fact]
    public void Confirm_asks_with_a_caption_that_says_what_happens_and_No_changes_nothing()
    {
        var host = new TestHost();
        host.Answers.Enqueue("N");
        using var ps = new PowerShellSession(location: _work.Path, host: host);
        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Confirm", variables: Vars).AssertClean();
        var prompt = Assert.Single(host.Prompts);
        Assert.Equal("Back up Redis", prompt.Caption);
        Assert.Contains("Verify the new file as it is written", prompt.Message, StringComparison.Ordinal);
        Assert.Empty(Backups(Catalog));

        host.Answers.Enqueue("Y");
        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Confirm", variables: Vars).AssertClean();
        Assert.Equal(3, Backups(Catalog).Length);

        // Restore and Remove have ConfirmImpact High: they ask without -Confirm.
        host.Answers.Enqueue("N");
        host.Answers.Enqueue("N");
        ps.Run("Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -HostName 127.0.0.1 -Port $dst; Get-RedisBackup -CatalogPath $cat | Remove-RedisBackup", variables: Vars).AssertClean();
        Assert.Equal("Restore a Redis backup", host.Prompts[2].Caption);
        Assert.DoesNotContain(host.Prompts, p => p.Caption.EndsWith("-RedisBackup", StringComparison.Ordinal)); // never the cmdlet's name
        Assert.Equal(3, Backups(Catalog).Length);
    }

    [Fact]
    public async Task Flush_asks_a_second_time_unless_Force()
    {
        var host = new TestHost();
        using var ps = new PowerShellSession(location: _work.Path, host: host);
        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat | Out-Null", variables: Vars).AssertClean();
        await using (var c = await servers.Target.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "SET", "not-in-backup", "1");
        host.Answers.Enqueue("N");
        ps.Run("Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -HostName 127.0.0.1 -Port $dst -Flush -Confirm:$false", variables: Vars).AssertClean();
        Assert.Equal("Empty the target databases", Assert.Single(host.Prompts).Caption);
        await using (var c = await servers.Target.ConnectAsync())
            Assert.Equal("1", (await c.ExecuteAsync(CancellationToken.None, "GET", "not-in-backup")).AsString());

        ps.Run("Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -HostName 127.0.0.1 -Port $dst -Flush -Force -Confirm:$false", variables: Vars).AssertClean();
        Assert.Single(host.Prompts);
        Assert.Equal(await servers.Source.DigestAsync(), await servers.Target.DigestAsync());
    }

    [Fact]
    public void Remove_WhatIf_previews_exactly_what_the_real_run_removes()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        ps.Run("1..2 | ForEach-Object { New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat -Label ('x' + $_) } | Out-Null", variables: Vars).AssertClean();
        ps.Run("Remove-RedisBackup -Name '*x1*' -CatalogPath $cat -WhatIf", variables: Vars).AssertClean();
        var preview = ps.Host.TakeText();
        Assert.Contains("-x1.jsonl.gz", preview, StringComparison.Ordinal);
        Assert.DoesNotContain("-x2.jsonl.gz", preview, StringComparison.Ordinal);

        // A name the real run refuses is refused under -WhatIf too: an error, and no preview.
        var refused = ps.Run("Remove-RedisBackup -Name '../v/x.rdb', 'missing.rdb' -CatalogPath $cat -WhatIf", variables: Vars);
        Assert.DoesNotContain("What if", ps.Host.TakeText(), StringComparison.Ordinal);
        Assert.Equal(["InvalidBackupName", "BackupNotFound"], refused.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));

        var removed = ps.Run("Remove-RedisBackup -Name '*x1*' -CatalogPath $cat -Confirm:$false -PassThru", variables: Vars).AssertClean();
        Assert.EndsWith("-x1.jsonl.gz", Assert.Single(removed.Objects<BackupRecord>()).Name, StringComparison.Ordinal);
        Assert.Equal(3, Backups(Catalog).Length);
    }

    public void Dispose() => _work.Dispose();
}
