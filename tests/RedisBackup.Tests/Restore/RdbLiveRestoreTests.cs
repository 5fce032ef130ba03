using RedisBackup.Engine.Errors;
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
    public async Task ASavedDumpReplaysIntoAFreshServerWithTheSameDigestAndTtls()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await Dataset.FillAsync(source);
        var rdb = await SaveAsync(source);
        var result = await ReplayAsync(rdb, target);
        long keys = 0;
        foreach (var db in new[] { 0, 1, 5 }) keys += await Dataset.DbSizeAsync(source, db);
        Assert.Equal(keys, result.Restored);
        Assert.Equal(keys, result.Total);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
        await Dataset.AssertSameAsync(source, target, [0, 1, 5]);

        // Again: every key exists now, so every key is skipped; with replace, every key is written.
        var again = await ReplayAsync(rdb, target);
        Assert.Equal(keys, again.Skipped);
        var replace = await ReplayAsync(rdb, target, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Replace });
        Assert.Equal(keys, replace.Restored);
    }

    [Fact]
    public async Task RemapsAndDropsExpiredKeys()
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
        Assert.Equal(0, await Dataset.DbSizeAsync(target, 3));
    }

    [Theory]
    [InlineData("encodings.rdb", 13)]
    [InlineData("hash-zipmap.rdb", 1)]
    [InlineData("list-quicklist.rdb", 2)]
    [InlineData("hash-ziplist.rdb", 1)]
    [InlineData("zset-ziplist.rdb", 1)]
    public async Task LegacyFilesReplayIntoA70Server(string name, int keys)
    {
        await using var target = await RedisServer.StartAsync();
        // Relative TTLs: some of these old files hold expiry times long past.
        var result = await ReplayAsync(TestData.RedisAsset(name), target, new RestoreOptions { Ttl = TtlMode.Relative });
        Assert.Equal(0, result.Failed);
        Assert.Equal(keys, result.Total);
        await using var c = await target.ConnectAsync();
        var info = Engine.Formats.KeyExporter.ParseKeyspace(await c.InfoAsync("keyspace"));
        Assert.Equal(keys, info.Values.Sum() + result.Expired);
    }

    [Fact]
    public async Task AFileNewerThanTheTargetIsRefusedNamingBothVersions()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(source, 0, "SET", "k", "v");
        var bytes = await File.ReadAllBytesAsync(await SaveAsync(source));
        // Relabel the file as RDB 11 (Redis 7.2) and fix its checksum.
        "REDIS0011"u8.CopyTo(bytes);
        var crc = Crc64.Update(0, bytes.AsSpan(0, bytes.Length - 8));
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8), crc);
        using var dir = new TempDirectory();
        var path = dir.Combine("v11.rdb");
        await File.WriteAllBytesAsync(path, bytes);
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => ReplayAsync(path, target));
        Assert.Equal("RdbVersionTooNew", ex.ErrorId);
        Assert.Equal(ErrorKind.NotSupported, ex.Kind);
        Assert.Contains("RDB version 11", ex.Message);
        Assert.Contains("7.0.15", ex.Message);
        Assert.Contains("up to 10", ex.Message);
        Assert.Equal(0, await Dataset.DbSizeAsync(target, 0));
    }
}
