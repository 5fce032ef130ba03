using System.Management.Automation;
using RedisBackup.Engine.Formats;
using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>
/// Convert-RedisBackup, Get-RedisBackupContent and Restore-RedisBackup's -SourceDatabase/-Match/-Type and replay counts
/// in PowerShell 7.6, on a real old RDB file of ../shared/testdata (encodings.rdb: 13 keys in every old encoding) and
/// real servers.
/// </summary>
public sealed class DecodeCmdletTests(LiveServers servers) : IClassFixture<LiveServers>, IDisposable
{
    private readonly TempDirectory _work = new();

    private static string Encodings => TestData.RedisAsset("encodings.rdb");

    private static string[] Lines(string text) => text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();

    [Fact]
    public void Convert_RedisBackup_plans_with_WhatIf_then_writes_a_verified_logical_backup_into_the_catalog()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["rdb"] = Encodings, ["cat"] = _work.Combine("catalog") };

        var plan = ps.Run("Convert-RedisBackup -LiteralPath $rdb -CatalogPath $cat -WhatIf", variables: vars).AssertClean();
        Assert.Empty(plan.Output);
        Assert.False(Directory.Exists(_work.Combine("catalog")) && Directory.EnumerateFiles(_work.Combine("catalog"), "*.gz").Any());

        var converted = Assert.Single(ps.Run("Convert-RedisBackup -LiteralPath $rdb -CatalogPath $cat -Confirm:$false", variables: vars).AssertClean().Objects<BackupRecord>());
        Assert.Equal("converted:encodings.rdb", converted.Source);
        Assert.Equal(13, converted.KeyCount);
        Assert.Equal(RedisBackup.Engine.Model.VerificationState.Verified, converted.Verification);
        Assert.EndsWith("-converted.jsonl.gz", converted.Name, StringComparison.Ordinal);
        Assert.Equal(Path.GetDirectoryName(converted.Path), _work.Combine("catalog"));

        // By name from the catalog, and the converted file read back: the same 13 keys.
        var content = Assert.Single(ps.Run("Get-RedisBackupContent -Name '*-converted*' -CatalogPath $cat", variables: vars).AssertClean().Objects<BackupContent>());
        Assert.Equal(13, content.Keys);

        // -Name converts into the same catalog, and a wildcard is listed before the first conversion adds to it.
        var again = ps.Run("Convert-RedisBackup -Name '*-converted*' -CatalogPath $cat -Confirm:$false", variables: vars).AssertClean().Objects<BackupRecord>().ToList();
        Assert.Single(again);
    }

    [Fact]
    public void Get_RedisBackupContent_emits_a_read_only_content_object_and_a_table_that_fits_80_columns()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["rdb"] = Encodings };

        var content = Assert.Single(ps.Run("Get-RedisBackupContent -LiteralPath $rdb -Top 3", variables: vars).AssertClean().Objects<BackupContent>());
        Assert.Equal(13, content.Keys);
        Assert.Equal(3, content.BiggestKeys.Count);
        Assert.Equal(["hash", "list", "set", "string", "zset"], content.Databases[0].Types.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Encodings, content.ToString());

        // Strings from the pipeline bind to -Path, as on Test-RedisBackup.
        Assert.Equal(13, Assert.Single(ps.Run("$rdb | Get-RedisBackupContent", variables: vars).AssertClean().Objects<BackupContent>()).Keys);

        var set = ps.Run("$c = Get-RedisBackupContent -LiteralPath $rdb; $c.Keys = 1", variables: vars);
        Assert.Contains("ReadOnly", Assert.Single(set.AllErrors).ToString(), StringComparison.Ordinal);
        var members = ps.Run("Get-RedisBackupContent -LiteralPath $rdb | Get-Member | ForEach-Object Definition", variables: vars).AssertClean();
        Assert.DoesNotContain(members.Output, m => m.ToString()!.Contains("set;", StringComparison.Ordinal));

        foreach (var width in new[] { 80, 120 })
        {
            var lines = Lines(ps.Run($"Get-RedisBackupContent -LiteralPath $rdb | Out-String -Width {width}", variables: vars).AssertClean().Text);
            Assert.Equal(["Server", "Keys", "With", "TTL", "Name"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.All(lines, l => Assert.True(l.Length <= width, $"'{l}' is wider than {width}"));
            Assert.Contains(lines, l => l.EndsWith(" encodings.rdb", StringComparison.Ordinal) && l.Contains(" 13 ", StringComparison.Ordinal));
        }

        // The longest standard name (a converted backup's) keeps its full width at 80 columns.
        var converted = Assert.Single(ps.Run("Convert-RedisBackup -LiteralPath $rdb -CatalogPath $cat -Confirm:$false", variables: new Dictionary<string, object?> { ["rdb"] = Encodings, ["cat"] = _work.Combine("catalog") }).AssertClean().Objects<BackupRecord>());
        var table = Lines(ps.Run("$b | Get-RedisBackupContent | Out-String -Width 80", variables: new Dictionary<string, object?> { ["b"] = converted }).AssertClean().Text);
        Assert.EndsWith(" " + converted.Name, table[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_RedisBackup_filters_keys_by_database_pattern_and_type_and_refuses_an_unknown_type()
    {
        await servers.ClearTargetAsync();
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["rdb"] = Encodings, ["dst"] = servers.Target.Port };

        var run = ps.Run("Restore-RedisBackup -LiteralPath $rdb -Port $dst -Type list -Match '*zipped*' -SourceDatabase 0 -TtlMode Relative -Confirm:$false", variables: vars).AssertClean();
        var result = Assert.Single(run.Objects<RestoreResult>());
        Assert.Equal(1, result.Restored); // list_zipped
        Assert.Equal(1, result.Total);
        Assert.Equal(12, result.NotSelected);
        Assert.Equal(0, result.Replayed); // 7.0 reads the file's RDB version: RESTORE payloads
        Assert.Equal(1, await servers.TargetKeysAsync());
        var view = ps.Run("$r | Out-String -Width 80", variables: new Dictionary<string, object?> { ["r"] = result }).AssertClean().Text;
        Assert.Matches(@"NotSelected\s+: 12", view);
        Assert.DoesNotMatch("Replayed", view); // shown only when it says something

        // A typo is refused while binding, before anything runs; "module" (every module value) is a type here.
        var typo = ps.Run("Restore-RedisBackup -LiteralPath $rdb -Port $dst -Type lists -Confirm:$false", variables: vars);
        Assert.StartsWith("ParameterArgumentValidationError,", typo.Terminating?.FullyQualifiedErrorId, StringComparison.Ordinal);
        var modules = Assert.Single(ps.Run("Restore-RedisBackup -LiteralPath $rdb -Port $dst -Type module -Confirm:$false", variables: vars).AssertClean().Objects<RestoreResult>());
        Assert.Equal(0, modules.Total);
        Assert.Equal(13, modules.NotSelected);
        Assert.Equal(["string", "set", "stream"], ps.Run("(TabExpansion2 -inputScript 'Restore-RedisBackup -Type s' -cursorColumn 27).CompletionMatches.CompletionText").AssertClean().Output.Select(o => o.ToString()!));

        // A container restore swaps the whole file in: filters are refused as arguments.
        var container = ps.Run("Restore-RedisBackup -LiteralPath $rdb -Container nothing-here -Match 'x*' -Confirm:$false", variables: vars);
        Assert.NotNull(container.Terminating);
        Assert.Equal(1, await servers.TargetKeysAsync());
    }

    [ServerFact("redis-7.4")]
    public async Task A_snapshot_of_Redis_7_4_restored_into_7_0_is_replayed_and_the_details_it_cannot_keep_are_warned_about()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        await using (var c = await source.ConnectAsync())
        {
            await c.ExecuteAsync(CancellationToken.None, "SET", "text", "hello");
            await c.ExecuteAsync(CancellationToken.None, "HSET", "user:1", "name", "Ada", "lang", "en");
            await c.ExecuteAsync(CancellationToken.None, "XADD", "events", "1-1", "f", "a");
            await c.ExecuteAsync(CancellationToken.None, "XADD", "events", "2-1", "f", "b");
            await c.ExecuteAsync(CancellationToken.None, "XGROUP", "CREATE", "events", "workers", "0");
            await c.ExecuteAsync(CancellationToken.None, "XREADGROUP", "GROUP", "workers", "alice", "COUNT", "1", "STREAMS", "events", ">");
            await c.ExecuteAsync(CancellationToken.None, "SAVE");
        }
        await using var target = await RedisServer.StartAsync(); // Redis 7.0: reads RDB 10, the file is RDB 12
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["rdb"] = Path.Combine(source.Directory, "dump.rdb"), ["dst"] = target.Port };

        var run = ps.Run("Restore-RedisBackup -LiteralPath $rdb -Port $dst -Confirm:$false", variables: vars).AssertClean();
        var result = Assert.Single(run.Objects<RestoreResult>());
        Assert.True(result.Success);
        Assert.Equal(3, result.Restored);
        Assert.Equal(3, result.Replayed);
        Assert.True(result.DetailsNotKept > 0);
        Assert.Contains(result.Warnings, w => w.Key == "events" && w.Reason.Contains("consumer", StringComparison.Ordinal));
        Assert.Contains(run.Warnings, w => w.Contains("details of replayed values were not kept", StringComparison.Ordinal));
        Assert.Contains(run.Warnings, w => w.StartsWith("Key 'events' (database 0):", StringComparison.Ordinal));
        var view = ps.Run("$r | Out-String -Width 80", variables: new Dictionary<string, object?> { ["r"] = result }).AssertClean().Text;
        Assert.Matches(@"Replayed\s+: 3", view);
        Assert.Matches(@"DetailsNotKept\s+: \d+", view);

        await using var t = await target.ConnectAsync();
        Assert.Equal("hello", (await t.ExecuteAsync(CancellationToken.None, "GET", "text")).AsString());
        Assert.Equal(2, (await t.ExecuteAsync(CancellationToken.None, "XLEN", "events")).AsInt64());
        var pending = (await t.ExecuteAsync(CancellationToken.None, "XPENDING", "events", "workers", "-", "+", "10")).AsArray();
        var entry = Assert.Single(pending).AsArray();
        Assert.Equal("1-1", entry[0].AsString());
        Assert.Equal("alice", entry[1].AsString());
    }

    public void Dispose() => _work.Dispose();
}
