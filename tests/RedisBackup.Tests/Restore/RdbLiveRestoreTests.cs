using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Restore;

public class RdbLiveRestoreTests
{
    private static async Task<RestoreResult> ReplayAsync(string rdbPath, RedisServer target, RestoreOptions? options = null)
    {
        await using var f = File.OpenRead(rdbPath);
        return await RdbLiveRestorer.RestoreAsync(new BufferedStream(f, 1 << 16), target.Endpoint, options ?? new RestoreOptions(), null, CancellationToken.None);
    }

    private static async Task<string> SaveAsync(RedisServer server)
    {
        await KeyFiles.RunAsync(server, 0, "SAVE");
        return Path.Combine(server.Directory, "dump.rdb");
    }

    [Fact]
    public async Task A_saved_dump_replays_into_a_fresh_server_with_the_same_digest_and_TTLs()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await Dataset.FillAsync(source);
        var rdb = await SaveAsync(source);
        var result = await ReplayAsync(rdb, target);
        long keys = 0;
        foreach (var db in new[] { 0, 1, 5 }) keys += await ServerComparison.DbSizeAsync(source, db);
        Assert.Equal(keys, result.Restored);
        Assert.Equal(keys, result.Total);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
        await ServerComparison.AssertIdenticalAsync(source, target, [0, 1, 5]);

        // Again: every key exists now, so every key is skipped; with replace, every key is written.
        var again = await ReplayAsync(rdb, target);
        Assert.Equal(keys, again.Skipped);
        var replace = await ReplayAsync(rdb, target, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Replace });
        Assert.Equal(keys, replace.Restored);
    }

    [Fact]
    public async Task Remaps_and_drops_expired_keys()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(source, 3, "SET", "soon", "v", "PX", "30000");
        await KeyFiles.RunAsync(source, 4, "SET", "keep", "v");
        var rdb = await SaveAsync(source);
        var result = await ReplayAsync(rdb, target, new RestoreOptions { TargetDatabase = 9, Clock = new FixedClock(DateTimeOffset.UtcNow.AddHours(1)) });
        Assert.Equal(1, result.Expired);
        Assert.Equal(1, result.Restored);
        Assert.Equal("v", await KeyFiles.GetAsync(target, 9, "keep"));
        Assert.Equal(0, await ServerComparison.DbSizeAsync(target, 3));
    }

    [Theory]
    [InlineData("encodings.rdb", 13)]
    [InlineData("hash-zipmap.rdb", 1)]
    [InlineData("list-quicklist.rdb", 2)]
    [InlineData("hash-ziplist.rdb", 1)]
    [InlineData("zset-ziplist.rdb", 1)]
    public async Task Legacy_files_replay_into_a_7_0_server(string name, int keys)
    {
        await using var target = await RedisServer.StartAsync();
        // Relative TTLs: some of these old files hold expiry times long past.
        var result = await ReplayAsync(TestData.RedisAsset(name), target, new RestoreOptions { Ttl = TtlMode.Relative });
        Assert.Equal(0, result.Failed);
        Assert.Equal(keys, result.Total);
        await using var c = await target.ConnectAsync();
        var info = Engine.Export.KeyExporter.ParseKeyspace(await c.InfoAsync("keyspace"));
        Assert.Equal(keys, info.Values.Sum() + result.Expired);
    }

    [Theory]
    [InlineData("encodings.rdb", 13)]
    [InlineData("hash-zipmap.rdb", 1)]
    [InlineData("list-quicklist.rdb", 2)]
    [InlineData("hash-ziplist.rdb", 1)]
    [InlineData("zset-ziplist.rdb", 1)]
    public async Task Legacy_files_replayed_logically_give_what_restore_gives(string name, int keys)
    {
        // The same old file into two 7.0 servers: once as RESTORE payloads (the server converts the legacy encodings),
        // once decoded by RedisBackup (zipmap, ziplist, intset, quicklist of ziplists, LZF strings) and written with commands.
        await using var restored = await RedisServer.StartAsync();
        await using var replayed = await RedisServer.StartAsync();
        var viaRestore = await ReplayAsync(TestData.RedisAsset(name), restored, new RestoreOptions { Ttl = TtlMode.Relative });
        var viaReplay = await ReplayAsync(TestData.RedisAsset(name), replayed, new RestoreOptions { Ttl = TtlMode.Relative, AlwaysReplay = true });
        Assert.Equal((keys, 0L, 0L), (viaRestore.Total, viaRestore.Failed, viaRestore.Replayed));
        Assert.Equal((keys, 0L, viaRestore.Expired), (viaReplay.Total, viaReplay.Failed, viaReplay.Expired));
        Assert.Equal(viaRestore.Restored, viaReplay.Replayed);
        Assert.Equal(await restored.DigestAsync(), await replayed.DigestAsync());
        await using var c = await restored.ConnectAsync();
        var databases = Engine.Export.KeyExporter.ParseKeyspace(await c.InfoAsync("keyspace")).Keys;
        Assert.NotEmpty(databases);
        await ServerComparison.AssertIdenticalAsync(restored, replayed, databases);
    }

    [Fact]
    public async Task A_file_newer_than_the_target_is_replayed_key_by_key()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(source, 0, "SET", "k", "v");
        await KeyFiles.RunAsync(source, 0, "RPUSH", "l", "a", "b");
        var bytes = await File.ReadAllBytesAsync(await SaveAsync(source));
        // Relabel the file as RDB 11 (Redis 7.2), which Redis 7.0 refuses, and fix its checksum.
        "REDIS0011"u8.CopyTo(bytes);
        var crc = Crc64.Update(0, bytes.AsSpan(0, bytes.Length - 8));
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8), crc);
        using var dir = new TempDirectory();
        var path = dir.Combine("v11.rdb");
        await File.WriteAllBytesAsync(path, bytes);
        var result = await ReplayAsync(path, target);
        Assert.Equal((2L, 2L, 0L), (result.Restored, result.Replayed, result.Failed));
        await ServerComparison.AssertIdenticalAsync(source, target, [0]);
    }
}
