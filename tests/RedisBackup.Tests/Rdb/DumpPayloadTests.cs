using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Rdb;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Rdb;

public class DumpPayloadTests
{
    [Fact]
    public async Task Payload_for_foo_bar_equals_a_real_dump()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        await c.Run("SET", "foo", "bar");
        var real = (await c.Run("DUMP", "foo")).Bytes!;

        var info = await c.InfoAsync("server");
        var version = (ushort)DumpPayload.VersionOf(real);
        Assert.Equal(10, version); // Redis 7.0 stamps RDB version 10.
        Assert.StartsWith("7.0", info["redis_version"], StringComparison.Ordinal);

        var built = DumpPayload.Create(0, [0x03, (byte)'b', (byte)'a', (byte)'r'], version);
        Assert.Equal(real, built);
    }

    [Fact]
    public void Version_of_reads_the_footer()
    {
        var payload = DumpPayload.Create(4, [1, 2, 3], 9);
        Assert.Equal(9, DumpPayload.VersionOf(payload));
        Assert.Equal(1 + 3 + 10, payload.Length);
        var ex = Assert.Throws<RedisBackupException>(() => DumpPayload.VersionOf(new byte[5]));
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
    }

    [Fact]
    public async Task Payloads_built_from_RDB_entries_restore_with_identical_digests()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using var s = await source.ConnectAsync();
        await using var t = await target.ConnectAsync();
        await RdbTestSupport.PopulateAllTypesAsync(s);
        var path = await RdbTestSupport.SaveAsync(s);

        var restored = 0;
        await using (var file = File.OpenRead(path))
        {
            var reader = new RdbReader(file);
            while (await reader.ReadNextAsync() is { } entry)
            {
                var payload = DumpPayload.Create(entry.Type, entry.Value, (ushort)reader.Version);
                await t.SelectAsync(entry.Database);
                if (entry.ExpireAtMs is { } at) await t.Run("RESTORE", entry.Key, at, payload, "ABSTTL");
                else await t.Run("RESTORE", entry.Key, 0, payload);

                await s.SelectAsync(entry.Database);
                var expected = (await s.Run("DEBUG", "DIGEST-VALUE", entry.Key)).AsArray()[0].AsString();
                var actual = (await t.Run("DEBUG", "DIGEST-VALUE", entry.Key)).AsArray()[0].AsString();
                Assert.True(expected == actual, $"DIGEST-VALUE differs for key '{RdbTestSupport.Text(entry.Key)}' (type {entry.Type})");
                restored++;
            }
        }
        Assert.Equal((await RdbTestSupport.KeyspaceAsync(s)).Values.Sum(v => v.Keys), restored);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
    }
}
