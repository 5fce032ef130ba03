using System.Globalization;
using System.Management.Automation;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.Restore;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>
/// The cmdlets on the live-restore fixes of issue 9, in PowerShell 7.6 against real servers: the URI's database (issue
/// 10, finding 2), a database the target lacks, and a restore that stops part-way (its error record carries the counts).
/// </summary>
public sealed class LiveRestoreTests : IDisposable
{
    private readonly TempDirectory _work = new();

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
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["src"] = $"redis://127.0.0.1:{source.Port}/1", ["dst"] = $"redis://127.0.0.1:{target.Port}/5", ["cat"] = _work.Combine("catalog") };

        var backup = Assert.Single(ps.Run("New-RedisBackup -Uri $src -CatalogPath $cat", variables: vars).AssertClean().Objects<BackupRecord>());
        Assert.Equal(20, backup.KeyCount); // database 1 only
        var restore = ps.Run("Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -Uri $dst -Flush -Force -Confirm:$false", variables: vars).AssertClean();
        var result = Assert.Single(restore.Objects<RestoreResult>());
        Assert.Equal(20, result.Restored);
        Assert.Equal($"redis://127.0.0.1:{target.Port}/5", result.Target);
        Assert.Equal(5, result.Database);
        Assert.Equal(new Dictionary<int, long> { [0] = 500, [5] = 20 }, await KeyspaceAsync(target));
        var view = ps.Run("$r | Out-String -Width 80", variables: new Dictionary<string, object?> { ["r"] = result }).AssertClean().Text;
        Assert.Matches(@"Database\s+: 5", view);

        // A different -ToDatabase with it: the arguments contradict each other, so the cmdlet stops before anything runs.
        var conflict = ps.Run("Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -Uri $dst -ToDatabase 3 -Confirm:$false; 'not reached'", variables: vars);
        Assert.StartsWith("ConflictingTargetDatabase,", conflict.Terminating?.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<int, long> { [0] = 500, [5] = 20 }, await KeyspaceAsync(target));
    }

    [Fact]
    public async Task A_target_database_the_server_lacks_is_refused_and_nothing_is_flushed()
    {
        await using var target = await RedisServer.StartAsync();
        await using (var c = await target.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "500", "unrelated");
        var path = ManyKeysFile.Write(_work.Combine("few.jsonl.gz"), 50);
        using var ps = new PowerShellSession(location: _work.Path);

        var run = ps.Run("Restore-RedisBackup -LiteralPath $path -Port $port -ToDatabase 20 -Flush -Force -Confirm:$false; 'went on'",
            variables: new Dictionary<string, object?> { ["path"] = path, ["port"] = target.Port });
        Assert.Null(run.Terminating); // a refusal of this backup into this server, not of the arguments
        var error = Assert.Single(run.Errors);
        Assert.StartsWith("DatabaseOutOfRange,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(path, error.TargetObject);
        Assert.Contains("16 databases", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("went on", run.Text);
        Assert.Equal(new Dictionary<int, long> { [0] = 500 }, await KeyspaceAsync(target));
    }

    [Fact]
    public async Task A_restore_that_stops_part_way_carries_its_counts_in_the_error_record()
    {
        await using var target = await RedisServer.StartAsync();
        const int keys = 60_000;
        var path = ManyKeysFile.Write(_work.Combine("damaged.jsonl.gz"), keys, badAt: keys / 2);
        using var ps = new PowerShellSession(location: _work.Path);

        var run = ps.Run("Restore-RedisBackup -LiteralPath $path -Port $port -SkipVerify -Confirm:$false; 'went on'",
            variables: new Dictionary<string, object?> { ["path"] = path, ["port"] = target.Port });
        Assert.Null(run.Terminating);
        Assert.Equal("went on", run.Text); // no result object: the restore did not finish
        var error = Assert.Single(run.Errors);
        Assert.StartsWith("BackupCorrupt,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        var partial = Assert.IsType<RestoreResult>(error.TargetObject); // the front's read-only result, naming the backup
        Assert.Equal(path, partial.BackupPath);
        Assert.False(partial.Complete);
        Assert.False(partial.Success);
        Assert.Equal(0, partial.Unconfirmed);
        await using (var c = await target.ConnectAsync())
            Assert.Equal((await c.ExecuteAsync(CancellationToken.None, "DBSIZE")).AsInt64(), partial.Restored);
        Assert.InRange(partial.Restored, 1, keys / 2);
        Assert.Contains("Keys written so far: " + partial.Restored.ToString("N0", CultureInfo.InvariantCulture), error.Exception.Message, StringComparison.Ordinal);
        var last = Assert.IsType<KeyPosition>(partial.LastWritten);
        await using (var c = await target.ConnectAsync())
        {
            await c.SelectAsync(last.Database);
            Assert.Equal("value-" + last.Key[1..], (await c.ExecuteAsync(CancellationToken.None, "GET", last.Key)).AsString()); // the last key written is whole
        }

        var view = ps.Run("$r | Out-String -Width 80", variables: new Dictionary<string, object?> { ["r"] = partial }).AssertClean().Text;
        Assert.Matches(@"Complete\s+: no: stopped part-way", view);
        Assert.Matches(@"LastWritten\s+: db 0 'k\d+'", view);
    }

    public void Dispose() => _work.Dispose();
}
