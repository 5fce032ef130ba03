using RedisBackup.Engine.Rdb;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Rdb;

/// <summary>
/// Files written by every server build of the matrix (Redis 7.0, 7.2, 7.4 and Valkey 8.0), holding every type each writes
/// (hashes with field TTLs on 7.4, streams with consumer groups and pending entries, a function library, several
/// databases, TTLs): the walk agrees with the server's own keyspace and with the redis-check-rdb / valkey-check-rdb of
/// the same build.
/// </summary>
public class ServerVersionRdbTests
{
    /// <summary>The format version and the value types each build writes for <see cref="RdbTestSupport.PopulateAllTypesAsync"/>.</summary>
    private static (int Version, byte[] Types) Expected(ServerVersion v) => v.Name switch
    {
        "redis-7.0" => (10, [0, 2, 4, 5, 11, 16, 17, 18, 19]),
        "redis-7.2" or "valkey-8.0" => (11, [0, 2, 4, 5, 11, 16, 17, 18, 20, 21]),
        "redis-7.4" => (12, [0, 2, 4, 5, 11, 16, 17, 18, 20, 21, 24, 25]),
        _ => throw new ArgumentOutOfRangeException(nameof(v), v.Name, null),
    };

    [ServerTheory]
    [MemberData(nameof(ServerVersions.Names), MemberType = typeof(ServerVersions))]
    public async Task Every_type_a_server_writes_is_walked_and_matches_its_own_checker(string versionName)
    {
        var version = ServerVersions.Get(versionName);
        await using var server = await RedisServer.StartAsync(version);
        await using var c = await server.ConnectAsync();
        await RdbTestSupport.PopulateAllTypesAsync(c);
        var fieldTtls = await RdbTestSupport.PopulateFieldTtlsAsync(c);
        Assert.Equal(version.Name == "redis-7.4", fieldTtls);
        var keyspace = await RdbTestSupport.KeyspaceAsync(c);
        var path = await RdbTestSupport.SaveAsync(c);
        var (expectedVersion, expectedTypes) = Expected(version);

        var check = await CheckRdb.RunAsync(version, path);
        Assert.True(check.Ok, check.Output);

        foreach (var deep in new[] { false, true })
        {
            await using var file = File.OpenRead(path);
            var summary = await RdbVerifier.VerifyAsync(file, deep);
            Assert.Equal(expectedVersion, summary.Version);
            Assert.Equal("REDIS", summary.Magic);
            Assert.True(summary.IsComplete);
            Assert.False(summary.NewerThanReader);
            Assert.True(summary.ChecksumPresent);
            Assert.Equal(new FileInfo(path).Length, summary.Bytes);
            Assert.Equal(1, summary.FunctionLibraries);
            Assert.Equal(check.KeysRead, summary.Keys);
            Assert.Equal(check.Expires, summary.KeysWithExpiry);
            Assert.Equal(keyspace.Values.Sum(v => v.Keys), summary.Keys);
            Assert.Equal(keyspace.Values.Sum(v => v.Expires), summary.KeysWithExpiry);
            foreach (var (db, counts) in keyspace) Assert.Equal(counts.Keys, summary.KeysPerDatabase[db]);
            if (version.IsValkey) Assert.StartsWith("8.0", summary.RedisVersion, StringComparison.Ordinal);
        }

        await using (var file = File.OpenRead(path))
        {
            var reader = new RdbReader(file);
            var types = new SortedSet<byte>();
            while (await reader.ReadNextAsync() is { } entry)
            {
                types.Add(entry.Type);
                Assert.Equal(RdbFamily.Redis, entry.Family);
                Assert.NotNull(entry.Value);
            }
            Assert.Equal(expectedTypes, types);
            Assert.Single(reader.FunctionLibraries);
            Assert.Contains("rdbtestlib", RdbTestSupport.Text(reader.FunctionLibraries[0]), StringComparison.Ordinal);
        }
    }

    [ServerFact("redis-7.4")]
    public async Task A_reader_older_than_the_server_checks_its_file_up_to_the_first_unknown_type()
    {
        // What a RedisBackup that knew formats up to Redis 7.2 (RDB 11) makes of a Redis 7.4 file with field TTLs.
        await using var server = await RedisServer.StartAsync(ServerVersions.Redis74);
        await using var c = await server.ConnectAsync();
        for (var i = 0; i < 20; i++) await c.Run("SET", "before:" + i, i);
        await RdbTestSupport.PopulateFieldTtlsAsync(c);
        var path = await RdbTestSupport.SaveAsync(c);
        var bytes = await File.ReadAllBytesAsync(path);

        using (RdbFormatCatalog.SimulateOlderReader(11, 80))
        {
            var summary = await RdbVerifier.VerifyAsync(new MemoryStream(bytes));
            Assert.True(summary.NewerThanReader);
            var part = summary.Unchecked!;
            Assert.True(part.Code is 24 or 25, summary.CheckDescription);
            Assert.Equal($"checksum OK; structure checked to byte {part.Offset}; type {part.Code} at byte {part.Offset} is newer than this version of RedisBackup knows", summary.CheckDescription);
            Assert.InRange(summary.Keys, 0, 22);
            Assert.Equal(bytes.Length, summary.Bytes);
        }

        var corrupt = (byte[])bytes.Clone();
        corrupt[^20] ^= 0x40;
        using (RdbFormatCatalog.SimulateOlderReader(11, 80))
            await Assert.ThrowsAsync<RdbFormatException>(() => RdbVerifier.VerifyAsync(new MemoryStream(corrupt)));
    }
}
