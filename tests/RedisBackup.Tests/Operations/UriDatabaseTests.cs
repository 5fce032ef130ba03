using System.Globalization;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Operations;

/// <summary>
/// A database in the URI (redis://host:port/5) is never shown and then ignored (issue 10, finding 2): a backup exports
/// only that database, a restore writes every key into it, and a different explicit database is a usage error.
/// </summary>
public class UriDatabaseTests
{
    private static string Port(RedisServer server) => server.Port.ToString(CultureInfo.InvariantCulture);

    private static async Task<Dictionary<int, long>> KeyspaceAsync(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        return KeyExporter.ParseKeyspace(await c.InfoAsync("keyspace"));
    }

    /// <summary>10 keys in database 0, 20 in 1, 30 in 2.</summary>
    private static async Task<RedisServer> SourceAsync()
    {
        var source = await RedisServer.StartAsync();
        await using var c = await source.ConnectAsync();
        foreach (var (db, n) in new[] { (0, 10), (1, 20), (2, 30) })
        {
            await c.SelectAsync(db);
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", n.ToString(CultureInfo.InvariantCulture), "db" + db.ToString(CultureInfo.InvariantCulture));
        }
        return source;
    }

    [Fact]
    public async Task A_backup_of_a_URI_with_a_database_exports_only_that_database()
    {
        await using var source = await SourceAsync();
        using var dir = new TempDirectory();
        var outcome = await new CliRun().RunAsync("backup", "--uri", $"redis://127.0.0.1:{Port(source)}/1", "--dir", dir.Path, "--json");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var record = outcome.Json();
        Assert.Equal(20, record.GetProperty("keyCount").GetInt64());
        Assert.EndsWith("/1", record.GetProperty("source").GetString(), StringComparison.Ordinal);

        await using var target = await RedisServer.StartAsync();
        var restored = await new CliRun().RunAsync("restore", record.GetProperty("path").GetString()!, "--port", Port(target), "--json");
        Assert.True(restored.ExitCode == 0, restored.ToString());
        Assert.Equal(new Dictionary<int, long> { [1] = 20 }, await KeyspaceAsync(target));

        // The same database given both ways is fine; a different one, or a snapshot of one database, is a usage error.
        var same = await new CliRun().RunAsync("backup", "--uri", $"redis://127.0.0.1:{Port(source)}/1", "--db", "1", "--dir", dir.Path, "--json");
        Assert.True(same.ExitCode == 0, same.ToString());
        Assert.Equal(20, same.Json().GetProperty("keyCount").GetInt64());
        var conflict = await new CliRun().RunAsync("backup", "--uri", $"redis://127.0.0.1:{Port(source)}/1", "--db", "2", "--dir", dir.Path, "--json");
        Assert.True(conflict.ExitCode == 2, conflict.ToString());
        Assert.Equal("ConflictingDatabases", conflict.Json().GetProperty("error").GetProperty("id").GetString());
        var snapshot = await new CliRun().RunAsync("backup", "--kind", "rdb", "--uri", $"redis://127.0.0.1:{Port(source)}/1", "--dir", dir.Path, "--json");
        Assert.True(snapshot.ExitCode == 2, snapshot.ToString());
        Assert.Equal("DatabaseNeedsKeyLevel", snapshot.Json().GetProperty("error").GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_restore_into_a_URI_with_a_database_writes_and_flushes_only_that_database()
    {
        await using var source = await SourceAsync();
        using var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        await KeyFiles.ExportAsync(source, path, new KeyExportOptions { Databases = [0] });

        await using var target = await RedisServer.StartAsync();
        await using (var c = await target.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "500", "unrelated");

        var uri = $"redis://127.0.0.1:{Port(target)}/5";
        var outcome = await new CliRun().RunAsync("restore", path, "--uri", uri, "--flush", "--yes", "--json");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var result = outcome.Json();
        Assert.Equal(10, result.GetProperty("restored").GetInt64());
        Assert.Equal(uri, result.GetProperty("target").GetString());
        Assert.Equal(5, result.GetProperty("database").GetInt32());
        Assert.Equal(new Dictionary<int, long> { [0] = 500, [5] = 10 }, await KeyspaceAsync(target));

        // The human output names the database written, whether it came from the URI or from --to-db.
        var human = await new CliRun().RunAsync("restore", path, "--port", Port(target), "--to-db", "3");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains($"into redis://127.0.0.1:{Port(target)}/3", human.Stdout, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<int, long> { [0] = 500, [3] = 10, [5] = 10 }, await KeyspaceAsync(target));

        // A URI database and a different --to-db: a usage error, nothing flushed.
        var conflict = await new CliRun().RunAsync("restore", path, "--uri", uri, "--to-db", "3", "--flush", "--yes", "--json");
        Assert.True(conflict.ExitCode == 2, conflict.ToString());
        Assert.Equal("ConflictingTargetDatabase", conflict.Json().GetProperty("error").GetProperty("id").GetString());
        Assert.Equal(new Dictionary<int, long> { [0] = 500, [3] = 10, [5] = 10 }, await KeyspaceAsync(target));

        // The dry run names the database too.
        var plan = await new CliRun().RunAsync("restore", path, "--uri", uri, "--dry-run");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains($"into {uri}", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("database 5", plan.Stdout, StringComparison.Ordinal);
    }
}
