using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>Field TTLs of a Redis 7.4 backup restored into servers without hash field expiration: never silent.</summary>
public class FieldTtlDowngradeTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<string> OlderServers() => ["redis-7.0", "redis-7.2", "valkey-8.0"];

    [ServerTheory]
    [MemberData(nameof(OlderServers))]
    public async Task The_fields_are_written_and_the_lost_TTLs_counted_and_named(string version)
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        var seeded = await FieldTtlData.FillAsync(source, (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 + 3600) * 1000);
        using var dir = new TempDirectory();
        var path = dir.Combine("ttl.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);

        await using var target = await RedisServer.StartVersionAsync(version);

        // Required: refused before anything is written.
        var refused = await Assert.ThrowsAsync<RedisBackupException>(() => KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { RequireFieldTtl = true }));
        Assert.Equal("FieldTtlNotSupported", refused.ErrorId);
        Assert.Contains($"holds {seeded.FieldTtls} hash field TTLs", refused.Message);
        Assert.Contains("Nothing was restored", refused.Message);
        foreach (var db in seeded.Keys.Keys) Assert.Equal(0, await ServerComparison.DbSizeAsync(target, db));

        // Not required: every field is written, and every TTL that could not be kept is counted and its key named.
        var result = await KeyFiles.RestoreAsync(path, target.Endpoint);
        Assert.True(result.Success, string.Join("; ", result.Failures));
        Assert.Equal(6, result.Restored);
        Assert.Equal(seeded.FieldTtls, result.FieldTtlsLost);
        Assert.Equal(0, result.FieldTtlsKept);
        Assert.Equal(4, result.KeysWithWarnings);
        var named = result.Warnings.Select(w => (w.Database, w.Key)).OrderBy(w => w).ToList();
        Assert.Equal([(0, "big"), (0, "small"), (0, "wide"), (1, "in-db-1")], named);
        Assert.All(result.Warnings, w => Assert.Contains("hash field expiration", w.Reason));
        Assert.Contains("1401 hash field TTLs not kept", result.Warnings.Single(w => w.Key == "big").Reason);

        await using var s = await source.ConnectAsync();
        await using var t = await target.ConnectAsync();
        foreach (var (db, keys) in seeded.Keys)
        {
            await s.SelectAsync(db);
            await t.SelectAsync(db);
            foreach (var key in keys)
            {
                if ((await s.ExecuteAsync(None, "TYPE", key)).AsString() != "hash") continue;
                var want = (await FieldTtlData.FieldsAsync(s, key)).ToDictionary(p => p.Key, p => p.Value.Value);
                var got = (await FieldTtlData.FieldsAsync(t, key, withTtls: false)).ToDictionary(p => p.Key, p => p.Value.Value);
                Assert.Equal(want, got);
            }
        }
    }

    [ServerFact("redis-7.4")]
    public async Task A_backup_of_7_4_without_field_TTLs_restores_into_older_servers_even_when_they_are_required()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        await KeyFiles.RunAsync(source, 0, "HSET", "h", "a", "1", "b", "2");
        await KeyFiles.RunAsync(source, 0, "SET", "s", "v");
        using var dir = new TempDirectory();
        var path = dir.Combine("plain.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);
        Assert.Equal(["fieldTtl"], FieldTtlRoundTripTests.Lines(path)[0].GetProperty("requires").EnumerateArray().Select(e => e.GetString()));

        await using var target = await RedisServer.StartAsync();
        var result = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { RequireFieldTtl = true });
        Assert.Equal(2, result.Restored);
        Assert.Equal(0, result.FieldTtlsLost);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
    }
}
