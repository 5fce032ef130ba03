using RedisBackup.Engine.Rdb;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Rdb;

/// <summary>RDB files written by a real redis-server, walked and compared with the server's own counts.</summary>
public class ServerRdbTests
{
    [Theory]
    [InlineData("")]
    [InlineData("--rdbcompression no")]
    [InlineData("--rdbchecksum no")]
    public async Task Walk_matches_the_servers_key_and_expiry_counts(string options)
    {
        var serverArgs = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        await using var server = await RedisServer.StartAsync(serverArgs);
        await using var c = await server.ConnectAsync();
        await RdbTestSupport.PopulateAllTypesAsync(c);
        var keyspace = await RdbTestSupport.KeyspaceAsync(c);
        var path = await RdbTestSupport.SaveAsync(c);
        var checksum = !serverArgs.Contains("--rdbchecksum");

        foreach (var deep in new[] { false, true })
        {
            await using var file = File.OpenRead(path);
            var summary = await RdbVerifier.VerifyAsync(file, deep);
            Assert.Equal(10, summary.Version);
            Assert.Equal("REDIS", summary.Magic);
            Assert.StartsWith("7.0", summary.RedisVersion, StringComparison.Ordinal);
            Assert.NotNull(summary.CreatedAt);
            Assert.InRange(summary.CreatedAt!.Value, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.True(summary.UsedMemory > 0);
            Assert.Equal(checksum, summary.ChecksumPresent);
            Assert.Equal(new FileInfo(path).Length, summary.Bytes);
            Assert.Equal(keyspace.Keys.Order(), summary.KeysPerDatabase.Keys.Order());
            foreach (var (db, counts) in keyspace) Assert.Equal(counts.Keys, summary.KeysPerDatabase[db]);
            Assert.Equal(keyspace.Values.Sum(v => v.Keys), summary.Keys);
            Assert.Equal(keyspace.Values.Sum(v => v.Expires), summary.KeysWithExpiry);
        }

        // The entry walk sees the same keys, the expiry of each, and every value type the populate step created.
        await using (var file = File.OpenRead(path))
        {
            var reader = new RdbReader(file);
            var types = new HashSet<byte>();
            var keys = new HashSet<string>();
            long withExpiry = 0;
            while (await reader.ReadNextAsync() is { } entry)
            {
                types.Add(entry.Type);
                keys.Add($"{entry.Database}/{Convert.ToHexString(entry.Key)}");
                if (entry.ExpireAtMs is not null) withExpiry++;
                Assert.NotNull(entry.Value);
            }
            Assert.Equal(keyspace.Values.Sum(v => v.Keys), keys.Count);
            Assert.Equal(keyspace.Values.Sum(v => v.Expires), withExpiry);
            // string, set (hashtable), zset2, hash (hashtable), intset, hash/zset listpack, quicklist2, stream v2.
            Assert.Superset(new HashSet<byte> { 0, 2, 4, 5, 11, 16, 17, 18, 19 }, types);
            Assert.Contains("0/" + Convert.ToHexString("12345"u8), keys);
            Assert.Contains("0/" + Convert.ToHexString("-7"u8), keys);
            Assert.Contains("0/" + Convert.ToHexString("k"u8.ToArray().Concat(Enumerable.Repeat((byte)'x', 200)).ToArray()), keys);
            Assert.Contains("0/", keys);
        }
    }

    [Fact]
    public async Task Entries_carry_expiry_times_and_databases()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        var at = DateTimeOffset.UtcNow.AddHours(5).ToUnixTimeMilliseconds();
        await c.Run("SET", "plain", "v");
        await c.Run("SET", "timed", "v");
        await c.Run("PEXPIREAT", "timed", at);
        await c.SelectAsync(7);
        await c.Run("SET", "in7", "v");
        var path = await RdbTestSupport.SaveAsync(c);

        await using var file = File.OpenRead(path);
        var reader = new RdbReader(file, readValues: false);
        var entries = new Dictionary<string, RdbEntry>();
        while (await reader.ReadNextAsync() is { } e) entries[RdbTestSupport.Text(e.Key)] = e;
        Assert.Equal(3, entries.Count);
        Assert.Null(entries["plain"].ExpireAtMs);
        Assert.Equal(at, entries["timed"].ExpireAtMs);
        Assert.Equal(7, entries["in7"].Database);
        Assert.All(entries.Values, e => Assert.Null(e.Value));
        Assert.Equal(3, reader.Summary.Keys);
        Assert.Equal(1, reader.Summary.KeysWithExpiry);
    }

    [Theory]
    [InlineData("allkeys-lfu")]
    [InlineData("allkeys-lru")]
    public async Task Eviction_policies_write_freq_and_idle_prefixes(string policy)
    {
        await using var server = await RedisServer.StartAsync("--maxmemory-policy", policy);
        await using var c = await server.ConnectAsync();
        await c.Run("SET", "a", "1");
        await c.Run("RPUSH", "b", "x");
        var path = await RdbTestSupport.SaveAsync(c);

        await using var file = File.OpenRead(path);
        var reader = new RdbReader(file);
        var n = 0;
        while (await reader.ReadNextAsync() is { } e)
        {
            n++;
            if (policy == "allkeys-lfu") Assert.NotNull(e.Frequency);
            else Assert.NotNull(e.IdleSeconds);
            Assert.True(e.Offset < e.Offset + 1 && e.Offset > 9);
        }
        Assert.Equal(2, n);
    }
}
