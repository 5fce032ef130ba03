using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>
/// Fault-matrix case 34 of issue 9 (the 2M-element list; the big hash is <see cref="Operations.KeyLevelOperationTests.A_two_million_member_hash_round_trips"/>): a list of two
/// million elements goes through a catalog backup and a live restore, logical and exact, and comes back with the
/// same DEBUG DIGEST-VALUE and TTL.
/// </summary>
public class BigListTests
{
    private const int Elements = 2_000_000;

    [Theory(Timeout = 600_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_two_million_element_list_round_trips(bool exact)
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync())
        {
            const int perCommand = 1000;
            for (var start = 0; start < Elements; start += perCommand * 100)
            {
                var sent = 0;
                for (var batch = start; batch < Math.Min(Elements, start + perCommand * 100); batch += perCommand)
                {
                    var args = new List<RedisArg>(2 + perCommand) { "RPUSH", "huge-list" };
                    for (var i = batch; i < batch + perCommand; i++) args.Add("element:" + (i * 7919 % 1_000_003));
                    c.WriteCommand([.. args]);
                    sent++;
                }
                await c.FlushAsync();
                for (var i = 0; i < sent; i++) (await c.ReadReplyAsync()).ThrowIfError();
            }
            await c.ExecuteAsync(CancellationToken.None, "PEXPIRE", "huge-list", "3600000");
            Assert.Equal(Elements, (await c.ExecuteAsync(CancellationToken.None, "LLEN", "huge-list")).AsInt64());
        }
        using var dir = new TempDirectory();

        var outcome = await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path, Exact = exact })
            .WaitAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(1, outcome.Backup.KeyCount);
        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Path = outcome.Backup.Path, Endpoint = target.Endpoint })
            .WaitAsync(TimeSpan.FromMinutes(5));

        Assert.True(restored.Success, string.Join("; ", restored.Failures));
        Assert.Equal(1, restored.Restored);
        await ServerComparison.AssertIdenticalAsync(source, target, [0]);
    }
}
