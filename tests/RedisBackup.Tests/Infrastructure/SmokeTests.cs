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
}
