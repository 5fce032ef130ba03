using System.Globalization;
using RedisBackup.Engine.Formats;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;
using RedisBackup.Tests.Restore;

namespace RedisBackup.Tests.PowerShell;

/// <summary>
/// The cmdlets run for real in pwsh against real servers, for the live-restore fixes: the URI's database (issue 10,
/// finding 2), a database the target lacks, and a restore that stops part-way (its ErrorRecord carries the counts).
/// </summary>
public class CmdletLiveRestoreTests
{
    private static string P(RedisServer server) => server.Port.ToString(CultureInfo.InvariantCulture);

    private static async Task<Dictionary<int, long>> KeyspaceAsync(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        return KeyExporter.ParseKeyspace(await c.InfoAsync("keyspace"));
    }

    [Fact]
    public async Task The_URI_database_is_what_New_and_Restore_RedisBackup_work_on()
    {
        await using var source = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync())
        {
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "10", "zero");
            await c.SelectAsync(1);
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "20", "one");
        }
        await using var target = await RedisServer.StartAsync();
        await using (var c = await target.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "500", "unrelated");
        using var dir = new TempDirectory();

        var json = await Pwsh.JsonAsync($$"""
            $b = New-RedisBackup -Uri 'redis://127.0.0.1:{{P(source)}}/1' -Path {{Pwsh.Quote(dir.Path)}} -Confirm:$false
            $r = Restore-RedisBackup -LiteralPath $b.Path -Uri 'redis://127.0.0.1:{{P(target)}}/5' -Flush -Force -Confirm:$false
            $conflict = $null
            try { Restore-RedisBackup -LiteralPath $b.Path -Uri 'redis://127.0.0.1:{{P(target)}}/5' -ToDatabase 3 -Confirm:$false }
            catch { $conflict = $_.FullyQualifiedErrorId }
            [pscustomobject]@{ Keys = $b.KeyCount; Restored = $r.Restored; Target = $r.Target; Database = $r.Database; Conflict = $conflict } | ConvertTo-Json -Compress
            """);
        Assert.Equal(20, json.GetProperty("Keys").GetInt64());
        Assert.Equal(20, json.GetProperty("Restored").GetInt64());
        Assert.Equal($"redis://127.0.0.1:{P(target)}/5", json.GetProperty("Target").GetString());
        Assert.Equal(5, json.GetProperty("Database").GetInt32());
        Assert.StartsWith("ConflictingTargetDatabase", json.GetProperty("Conflict").GetString(), StringComparison.Ordinal);
        Assert.Equal(new Dictionary<int, long> { [0] = 500, [5] = 20 }, await KeyspaceAsync(target));
    }

    [Fact]
    public async Task A_target_database_the_server_lacks_is_refused_and_nothing_is_flushed()
    {
        await using var target = await RedisServer.StartAsync();
        await using (var c = await target.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "500", "unrelated");
        using var dir = new TempDirectory();
        var path = ManyKeysFile.Write(dir.Combine("few.jsonl.gz"), 50);

        var json = await Pwsh.JsonAsync($$"""
            $id = $null; $category = $null
            try { Restore-RedisBackup -LiteralPath {{Pwsh.Quote(path)}} -Port {{P(target)}} -ToDatabase 20 -Flush -Force -Confirm:$false }
            catch { $id = $_.FullyQualifiedErrorId; $category = $_.CategoryInfo.Category.ToString(); $message = $_.Exception.Message }
            [pscustomobject]@{ Id = $id; Category = $category; Message = $message } | ConvertTo-Json -Compress
            """);
        Assert.StartsWith("DatabaseOutOfRange", json.GetProperty("Id").GetString(), StringComparison.Ordinal);
        Assert.Equal("InvalidArgument", json.GetProperty("Category").GetString());
        Assert.Contains("16 databases", json.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.Equal(new Dictionary<int, long> { [0] = 500 }, await KeyspaceAsync(target));
    }

    [Fact]
    public async Task A_restore_that_stops_part_way_carries_its_counts_in_the_error_record()
    {
        await using var target = await RedisServer.StartAsync();
        using var dir = new TempDirectory();
        const int keys = 60_000;
        var path = ManyKeysFile.Write(dir.Combine("damaged.jsonl.gz"), keys, badAt: keys / 2);

        var json = await Pwsh.JsonAsync($$"""
            $ErrorActionPreference = 'Continue'
            $out = Restore-RedisBackup -LiteralPath {{Pwsh.Quote(path)}} -Port {{P(target)}} -SkipVerify -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
            $ok = $?
            $e = $failed[0]
            [pscustomobject]@{
                Ok = $ok; Output = @($out).Count; Id = $e.FullyQualifiedErrorId; Message = $e.Exception.Message
                Restored = $e.TargetObject.Restored; Complete = $e.TargetObject.Complete; Unconfirmed = $e.TargetObject.Unconfirmed
                LastKey = $e.TargetObject.LastWritten.Key
            } | ConvertTo-Json -Compress
            """);
        Assert.False(json.GetProperty("Ok").GetBoolean());
        Assert.Equal(0, json.GetProperty("Output").GetInt32());
        Assert.StartsWith("BackupCorrupt", json.GetProperty("Id").GetString(), StringComparison.Ordinal);
        Assert.False(json.GetProperty("Complete").GetBoolean());
        Assert.Equal(0, json.GetProperty("Unconfirmed").GetInt64());
        var restored = json.GetProperty("Restored").GetInt64();
        Assert.Equal(await Dataset.DbSizeAsync(target, 0), restored);
        Assert.InRange(restored, 1, keys / 2);
        Assert.Contains("Keys written so far: " + restored.ToString("N0", CultureInfo.InvariantCulture), json.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.Equal("value-" + json.GetProperty("LastKey").GetString()![1..], await KeyFiles.GetAsync(target, 0, json.GetProperty("LastKey").GetString()!));
    }
}
