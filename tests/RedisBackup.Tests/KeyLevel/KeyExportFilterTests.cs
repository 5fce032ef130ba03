using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

public class KeyExportFilterTests
{
    [Fact]
    public async Task Match_type_and_database_filters_select_keys()
    {
        await using var source = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(source, 0, "SET", "user:1", "a");
        await KeyFiles.RunAsync(source, 0, "HSET", "user:2", "f", "v");
        await KeyFiles.RunAsync(source, 0, "SET", "other", "b");
        await KeyFiles.RunAsync(source, 0, "XADD", "user:s", "1-1", "f", "v");
        await KeyFiles.RunAsync(source, 2, "SET", "user:9", "c");
        using var dir = new TempDirectory();

        var s1 = await KeyFiles.ExportAsync(source, dir.Combine("a.gz"), new KeyExportOptions { Match = "user:*" });
        Assert.Equal(4, s1.Keys);
        Assert.Equal(3, s1.KeysPerDatabase[0]);
        Assert.Equal(1, s1.KeysPerDatabase[2]);

        var s2 = await KeyFiles.ExportAsync(source, dir.Combine("b.gz"), new KeyExportOptions { Types = ["string"], Databases = [0] });
        Assert.Equal(2, s2.Keys);

        var s3 = await KeyFiles.ExportAsync(source, dir.Combine("c.gz"), new KeyExportOptions { Types = ["hash", "stream"], Exact = true });
        Assert.Equal(2, s3.Keys);

        await using var target = await RedisServer.StartAsync();
        var r = await KeyFiles.RestoreAsync(dir.Combine("c.gz"), target.Endpoint);
        Assert.Equal(2, r.Restored);
        Assert.Equal("hash", (await KeyFiles.RunAsync(target, 0, "TYPE", "user:2")).AsString());
        Assert.Equal("stream", (await KeyFiles.RunAsync(target, 0, "TYPE", "user:s")).AsString());

        await using (var f = File.OpenRead(dir.Combine("b.gz")))
            Assert.Equal(2, (await KeyFileVerifier.VerifyAsync(f)).Keys);
    }
}
