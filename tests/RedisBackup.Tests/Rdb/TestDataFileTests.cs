using RedisBackup.Engine.Rdb;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Rdb;

/// <summary>The real old RDB files from the Redis 7.2.6 source tree (see ../shared/testdata/README.md).</summary>
public class TestDataFileTests
{
    public static TheoryData<string, int, long> GoodFiles => new()
    {
        { "encodings.rdb", 4, 13 },
        { "list-quicklist.rdb", 8, 2 },
        { "hash-ziplist.rdb", 9, 1 },
        { "zset-ziplist.rdb", 10, 1 },
        { "hash-zipmap.rdb", 3, 1 },
        { "scriptbackup.rdb", 10, 0 },
    };

    [Theory]
    [MemberData(nameof(GoodFiles))]
    public async Task Good_files_walk_with_their_key_counts(string name, int version, long keys)
    {
        var path = TestData.RedisAsset(name);
        foreach (var deep in new[] { false, true })
        {
            await using var file = File.OpenRead(path);
            var summary = await RdbVerifier.VerifyAsync(file, deep);
            Assert.Equal(version, summary.Version);
            Assert.Equal(keys, summary.Keys);
            Assert.Equal(new FileInfo(path).Length, summary.Bytes);
            Assert.Equal(version >= 5, summary.ChecksumPresent);
            if (keys > 0) Assert.Equal(keys, summary.KeysPerDatabase[0]);
        }
    }

    [Fact]
    public async Task Script_backup_keeps_its_Lua_aux_field()
    {
        await using var file = File.OpenRead(TestData.RedisAsset("scriptbackup.rdb"));
        var summary = await RdbVerifier.VerifyAsync(file);
        Assert.Contains("redis.call", summary.Aux["lua"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("corrupt_ziplist.rdb", 7)]
    [InlineData("corrupt_empty_keys.rdb", 10)]
    public async Task Corrupt_files_pass_the_frame_walk_but_fail_deep_verification(string name, int version)
    {
        var path = TestData.RedisAsset(name);
        await using (var file = File.OpenRead(path))
        {
            var summary = await RdbVerifier.VerifyAsync(file, deep: false);
            Assert.Equal(version, summary.Version);
        }
        await using (var file = File.OpenRead(path))
        {
            var ex = await Assert.ThrowsAsync<RdbFormatException>(() => RdbVerifier.VerifyAsync(file, deep: true));
            Assert.InRange(ex.Offset, 9, new FileInfo(path).Length);
            Assert.Contains("offset", ex.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Each good file is loaded by a real server (DEBUG RELOAD NOSAVE) and, separately, replayed key by key as RESTORE
    /// payloads built from the reader's entries; both servers must end with the same DEBUG DIGEST.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoodFiles))]
    public async Task Entries_replay_as_restore_like_a_server_load(string name, int version, long keys)
    {
        _ = version;
        await using var loaded = await RedisServer.StartAsync();
        await using var replayed = await RedisServer.StartAsync();
        File.Copy(TestData.RedisAsset(name), Path.Combine(loaded.Directory, "dump.rdb"));
        await using (var l = await loaded.ConnectAsync()) await l.Run("DEBUG", "RELOAD", "NOSAVE");

        await using var r = await replayed.ConnectAsync();
        var count = 0;
        await using (var file = File.OpenRead(TestData.RedisAsset(name)))
        {
            var reader = new RdbReader(file);
            while (await reader.ReadNextAsync() is { } entry)
            {
                await r.SelectAsync(entry.Database);
                await r.Run("RESTORE", entry.Key, entry.ExpireAtMs ?? 0, DumpPayload.Create(entry.Type, entry.Value, (ushort)reader.Version), "ABSTTL");
                count++;
            }
        }
        Assert.Equal(keys, count);
        Assert.Equal(await loaded.DigestAsync(), await replayed.DigestAsync());
    }
}
