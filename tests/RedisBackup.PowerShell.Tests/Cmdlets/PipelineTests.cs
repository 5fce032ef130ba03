using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>Every documented pipeline, run in PowerShell 7.6 against real servers; restores are compared key by key (DEBUG DIGEST).</summary>
public sealed class PipelineTests(LiveServers servers) : IClassFixture<LiveServers>, IDisposable
{
    private readonly TempDirectory _work = new();
    private string Catalog => _work.Combine("catalog");

    private PowerShellSession Session() => new(location: _work.Path);

    private Dictionary<string, object?> Vars => new() { ["src"] = servers.Source.Port, ["dst"] = servers.Target.Port, ["cat"] = Catalog };

    private PsRun Backup(PowerShellSession ps, string extra = "")
        => ps.Run($"New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat {extra}", variables: Vars).AssertClean();

    [Fact]
    public async Task New_then_Get_Select_Last_1_Restore_restores_every_key()
    {
        using var ps = Session();
        Backup(ps);
        Backup(ps, "-Kind Snapshot");
        await servers.ClearTargetAsync();
        var run = ps.Run("Get-RedisBackup -CatalogPath $cat | Select-Object -Last 1 | Restore-RedisBackup -HostName 127.0.0.1 -Port $dst -Confirm:$false", variables: Vars).AssertClean();
        var result = Assert.Single(run.Objects<RestoreResult>());
        Assert.Equal(LiveServers.SourceKeys, result.Restored);
        Assert.StartsWith("redis-backup-", result.Backup, StringComparison.Ordinal); // the newest: the snapshot
        Assert.Equal(await servers.Source.DigestAsync(), await servers.Target.DigestAsync());
    }

    [Fact]
    public async Task A_record_a_string_of_it_and_its_path_all_restore()
    {
        using var ps = Session();
        Backup(ps);
        foreach (var form in new[] { "Restore-RedisBackup $b", "Restore-RedisBackup -Path $b", "Restore-RedisBackup \"$b\"", "\"$b\" | Restore-RedisBackup" })
        {
            await servers.ClearTargetAsync();
            var run = ps.Run($"$b = Get-RedisBackup -CatalogPath $cat | Select-Object -Last 1; {form} -HostName 127.0.0.1 -Port $dst -Confirm:$false", variables: Vars).AssertClean();
            Assert.Equal(LiveServers.SourceKeys, Assert.Single(run.Objects<RestoreResult>()).Restored);
        }
        Assert.Equal(await servers.Source.DigestAsync(), await servers.Target.DigestAsync());
    }

    [Fact]
    public async Task Get_ChildItem_of_a_catalog_pipes_only_its_backups()
    {
        using var ps = Session();
        Backup(ps);
        Backup(ps, "-Kind Snapshot");
        var tested = ps.Run("Get-ChildItem -Force $cat | Test-RedisBackup -Verbose", variables: Vars).AssertClean();
        Assert.Equal(2, tested.Objects<VerifyResult>().Count());
        Assert.All(tested.Objects<VerifyResult>(), r => Assert.True(r.IsValid));
        Assert.Contains(tested.Verbose, v => v.Contains(".meta.json: it is a catalog file", StringComparison.Ordinal));

        await servers.ClearTargetAsync();
        var restored = ps.Run("Get-ChildItem $cat/*.rdb* | Restore-RedisBackup -HostName 127.0.0.1 -Port $dst -Confirm:$false", variables: Vars).AssertClean();
        Assert.Equal(LiveServers.SourceKeys, Assert.Single(restored.Objects<RestoreResult>()).Restored);
        Assert.Equal(await servers.Source.DigestAsync(), await servers.Target.DigestAsync());
    }

    [Fact]
    public void Wildcards_in_Path_match_backups_never_their_sidecars()
    {
        using var ps = Session();
        var b = Backup(ps).Objects<BackupRecord>().Single();
        var preview = ps.Run("Restore-RedisBackup -Path \"$cat/*\" -HostName 127.0.0.1 -Port $dst -WhatIf; Remove-RedisBackup -Path \"$cat/*keys*\" -PassThru -Confirm:$false", variables: Vars).AssertClean();
        Assert.Equal(b.Name, Assert.Single(preview.Objects<BackupRecord>()).Name);
        Assert.Empty(Visible(Catalog)); // the backup and both sidecars, removed once, without errors
    }

    [Fact]
    public void Get_Test_Copy_Remove_by_pipeline_and_by_name()
    {
        using var ps = Session();
        var b = Backup(ps).Objects<BackupRecord>().Single();
        var offsite = _work.Combine("offsite");
        Directory.CreateDirectory(offsite);
        var vars = Vars;
        vars["offsite"] = offsite;
        vars["name"] = b.Name;

        var tested = ps.Run("Get-RedisBackup -CatalogPath $cat | Test-RedisBackup; Test-RedisBackup -Name $name -CatalogPath $cat; Test-RedisBackup -Name 'redis-keys-*' -CatalogPath $cat; $name | ForEach-Object { \"$cat/$_\" } | Test-RedisBackup", variables: vars).AssertClean();
        Assert.Equal(4, tested.Objects<VerifyResult>().Count(r => r.IsValid && r.Name == b.Name));

        var copied = ps.Run("Get-RedisBackup -CatalogPath $cat | Copy-RedisBackup -Destination $offsite; Copy-RedisBackup -Name $name -CatalogPath $cat -Destination \"$offsite/renamed.jsonl.gz\"", variables: vars).AssertClean();
        Assert.Equal(2, copied.Objects<BackupRecord>().Count());
        Assert.True(File.Exists(Path.Combine(offsite, b.Name)));
        Assert.True(File.Exists(Path.Combine(offsite, "renamed.jsonl.gz")));

        var removed = ps.Run("$name | Remove-RedisBackup -CatalogPath $cat -PassThru -Confirm:$false; Get-RedisBackup -CatalogPath $offsite | Remove-RedisBackup -Confirm:$false", variables: vars).AssertClean();
        Assert.Equal(b.Name, Assert.Single(removed.Objects<BackupRecord>()).Name);
        Assert.Empty(Visible(Catalog));
        Assert.Empty(Visible(offsite));
    }

    [Fact]
    public async Task Restore_by_name_from_the_catalog()
    {
        using var ps = Session();
        var b = Backup(ps, "-Exact").Objects<BackupRecord>().Single();
        await servers.ClearTargetAsync();
        var run = ps.Run("Restore-RedisBackup -Name $name -CatalogPath $cat -HostName 127.0.0.1 -Port $dst -Confirm:$false", variables: new Dictionary<string, object?>(Vars) { ["name"] = b.Name }).AssertClean();
        Assert.Equal(b.Name, Assert.Single(run.Objects<RestoreResult>()).Backup);
        Assert.Equal(await servers.Source.DigestAsync(), await servers.Target.DigestAsync());
    }

    [Fact]
    public void The_catalog_comes_from_REDISBACKUP_PATH_and_the_current_location()
    {
        using var ps = Session();
        var run = ps.Run("$env:REDISBACKUP_PATH = $cat; try { New-RedisBackup -HostName 127.0.0.1 -Port $src | Out-Null; Get-RedisBackup } finally { $env:REDISBACKUP_PATH = $null }", variables: Vars).AssertClean();
        Assert.Equal(Catalog, Path.GetDirectoryName(Assert.Single(run.Objects<BackupRecord>()).Path));
        var relative = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -Directory rel | Out-Null; Get-RedisBackup -CatalogPath ./rel", variables: Vars).AssertClean();
        Assert.Equal(_work.Combine("rel"), Path.GetDirectoryName(Assert.Single(relative.Objects<BackupRecord>()).Path)); // PowerShell's location, not the process's
    }

    /// <summary>The files of a directory but the catalog's hidden lock and journal.</summary>
    private static string[] Visible(string directory) => Directory.GetFiles(directory).Select(f => Path.GetFileName(f)!).Where(n => !n.StartsWith('.')).ToArray();

    public void Dispose() => _work.Dispose();
}
