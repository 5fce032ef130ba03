using RedisBackup.Engine.Redis;

namespace RedisBackup.Tests.Infrastructure;

public class SmokeTests
{
    [Fact]
    public async Task Redis_server_starts_and_answers()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        await c.ExecuteAsync(CancellationToken.None, "SET", "k", "v");
        Assert.Equal("v", (await c.ExecuteAsync(CancellationToken.None, "GET", "k")).AsString());
    }

    /// <summary>
    /// The two folders beside the checkout that many tests need: without them, this test says once, first, what to set
    /// (each test that needs them fails with the same sentence).
    /// </summary>
    [Fact]
    public void The_server_builds_and_the_test_data_are_found()
    {
        Assert.True(ServerVersions.Problem(ServerVersions.All) is null, $"Cannot start every server version: {ServerVersions.Problem(ServerVersions.All)}.");
        Assert.True(TestData.Directory is not null, TestData.MissingFolder);
    }

    /// <summary>Every build of the version matrix starts, answers, and is the version it claims to be.</summary>
    [ServerTheory]
    [MemberData(nameof(ServerVersions.Names), MemberType = typeof(ServerVersions))]
    public async Task Every_server_version_starts_and_reports_its_version(string version)
    {
        await using var server = await RedisServer.StartVersionAsync(version);
        await using var c = await server.ConnectAsync();
        var info = await c.InfoAsync("server");
        var expected = version switch
        {
            "redis-7.0" => ("redis_version", "7.0."),
            "redis-7.2" => ("redis_version", "7.2.6"),
            "redis-7.4" => ("redis_version", "7.4.1"),
            "valkey-8.0" => ("valkey_version", "8.0.1"),
            _ => throw new ArgumentOutOfRangeException(nameof(version)),
        };
        Assert.StartsWith(expected.Item2, info.GetValueOrDefault(expected.Item1) ?? "(missing)", StringComparison.Ordinal);
        await c.ExecuteAsync(CancellationToken.None, "SET", "k", "v");
        Assert.Equal("v", server.Cli("GET", "k").Trim());
    }
}
