using System.Text.Json;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;
using RedisBackup.Tests.Rdb;

namespace RedisBackup.Tests.Decode;

/// <summary>redis-backup inspect / Get-RedisBackupContent: what a backup holds, compared with the server it came from.</summary>
public class InspectTests
{
    private const int FieldTtlDb = 9;

    [ServerFact("redis-7.4")]
    public async Task What_an_RDB_and_key_level_backups_hold_matches_the_server()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4", "--repl-diskless-sync-delay", "0");
        await CrossVersionData.FillAsync(source);
        await using (var c = await source.ConnectAsync())
        {
            await RdbTestSupport.PopulateFieldTtlsAsync(c, FieldTtlDb);
            await c.Run("FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('one', function() return 1 end)");
            await c.Run("FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('two', function() return 2 end)");
        }
        var expected = await CountAsync(source);
        using var dir = new TempDirectory();
        var rdb = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path, Compress = true })).Backup;
        var logical = (await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path })).Backup;
        var exact = (await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path, Exact = true })).Backup;

        foreach (var backup in new[] { rdb, logical, exact })
        {
            var content = await InspectOperation.RunAsync(backup.Path, top: 3);
            Assert.Equal(expected.Keys, content.Keys);
            Assert.Equal(expected.Ttl, content.KeysWithTtl);
            Assert.Equal(expected.Types, content.Databases.SelectMany(d => d.Types.Select(t => $"{d.Database}/{t.Key}={t.Value}")).Order().ToList());
            Assert.Equal(expected.TtlPerDb, content.Databases.Select(d => $"{d.Database}:{d.KeysWithTtl}").ToList());
            Assert.Equal("7.4.1", content.ServerVersion);
            Assert.Equal(3, content.BiggestKeys.Count);
            // The 5 MB compressible string is LZF-compressed in the RDB and in DUMP payloads, so there the 3 MB
            // incompressible one is the biggest; a logical backup holds both as they are.
            if (backup == logical) Assert.Equal(("str:compressible", true), (content.BiggestKeys[0].Key, content.BiggestKeys[0].Bytes >= 5 * 1024 * 1024));
            else
            {
                Assert.Equal("str:random", content.BiggestKeys[0].Key);
                Assert.InRange(content.BiggestKeys[0].Bytes, 3 * 1024 * 1024, 3 * 1024 * 1024 + 32);
            }
            Assert.True(content.BiggestKeys[0].Bytes >= content.BiggestKeys[1].Bytes && content.BiggestKeys[1].Bytes >= content.BiggestKeys[2].Bytes);
            Assert.Empty(content.ModuleTypes);
        }
        var fromRdb = await InspectOperation.RunAsync(rdb.Path);
        Assert.Equal(BackupFormat.Rdb, fromRdb.Format);
        Assert.Equal(("REDIS", 12, "Redis"), (fromRdb.RdbMagic, fromRdb.RdbVersion, fromRdb.ServerName));
        Assert.Equal(["mylib", "other"], fromRdb.Functions.Order());
        Assert.Equal(InspectOperation.DefaultTop, fromRdb.BiggestKeys.Count);
        Assert.Null(fromRdb.Note);
        var fromLogical = await InspectOperation.RunAsync(logical.Path);
        Assert.Equal((false, 104L), (fromLogical.Exact, fromLogical.FieldTtls));
        Assert.True((await InspectOperation.RunAsync(exact.Path)).Exact);
    }

    [Fact]
    public async Task The_CLI_prints_tables_that_fit_80_columns_or_one_JSON_document()
    {
        await using var source = await RedisServer.StartAsync("--repl-diskless-sync-delay", "0");
        await Dataset.FillAsync(source);
        await KeyFiles.RunAsync(source, 3, "SET", "a-very-long-key-name:" + new string('x', 200), Dataset.Bytes(new Random(5), 5_000_000), "PX", "600000");
        using var dir = new TempDirectory();
        var rdb = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path })).Backup;

        var human = await new CliRun().RunAsync("inspect", rdb.Name, "--dir", dir.Path);
        Assert.True(human.ExitCode == 0, human.ToString());
        foreach (var line in human.Stdout.Split('\n')) Assert.True(line.TrimEnd('\r').Length <= 80, $"{line.Length} columns: {line}");
        Assert.Contains("Server:      Redis 7.0.15, RDB format REDIS 10, taken ", human.Stdout);
        Assert.Contains("Functions:   none", human.Stdout);
        Assert.Contains("a-very-long-key-name:xxx", human.Stdout);
        Assert.Contains("…", human.Stdout);

        var json = await new CliRun().RunAsync("inspect", rdb.Path, "--json", "--top", "2");
        Assert.True(json.ExitCode == 0, json.ToString());
        var doc = json.Json();
        Assert.Equal(2, doc.GetProperty("biggestKeys").GetArrayLength());
        Assert.StartsWith("a-very-long-key-name:", doc.GetProperty("biggestKeys")[0].GetProperty("key").GetString(), StringComparison.Ordinal);
        Assert.True(doc.GetProperty("biggestKeys")[0].GetProperty("hasTtl").GetBoolean());
        Assert.Equal(4, doc.GetProperty("databases").GetArrayLength());
        Assert.Equal("rdb", doc.GetProperty("format").GetString());
        Assert.Equal(JsonValueKind.Array, doc.GetProperty("functions").ValueKind);

        var missing = await new CliRun().RunAsync("inspect", dir.Combine("nope.rdb"), "--json");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("BackupNotFound", missing.Json().GetProperty("error").GetProperty("id").GetString());
    }

    private sealed record Expected(long Keys, long Ttl, List<string> Types, List<string> TtlPerDb);

    private static async Task<Expected> CountAsync(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        long keys = 0, ttl = 0;
        var types = new List<string>();
        var perDb = new List<string>();
        foreach (var db in new[] { 0, 1, 2, 5, FieldTtlDb })
        {
            var counts = new Dictionary<string, long>();
            long dbTtl = 0;
            foreach (var key in await ServerComparison.KeysAsync(c, db))
            {
                var type = (await c.Run("TYPE", key)).AsString()!;
                counts[type] = counts.GetValueOrDefault(type) + 1;
                keys++;
                if ((await c.Run("PTTL", key)).AsInt64() >= 0) { ttl++; dbTtl++; }
            }
            types.AddRange(counts.Select(p => $"{db}/{p.Key}={p.Value}"));
            perDb.Add($"{db}:{dbTtl}");
        }
        return new Expected(keys, ttl, types.Order().ToList(), perDb);
    }
}
