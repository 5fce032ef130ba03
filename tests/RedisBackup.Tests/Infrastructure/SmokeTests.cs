using RedisBackup.Engine.Redis;

namespace RedisBackup.Tests.Infrastructure;

public class SmokeTests
{
    [Fact]
    public async Task RedisServerStartsAndAnswers()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        await c.ExecuteAsync(CancellationToken.None, "SET", "k", "v");
        Assert.Equal("v", (await c.ExecuteAsync(CancellationToken.None, "GET", "k")).AsString());
    }

    /// <summary>Every build of the version matrix starts, answers, and is the version it claims to be.</summary>
    [ServerTheory]
    [MemberData(nameof(ServerVersions.Names), MemberType = typeof(ServerVersions))]
    public async Task EveryServerVersionStartsAndReportsItsVersion(string version)
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
