using System.Text;
using RedisBackup.Engine.Rdb;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Rdb;

public class RdbHeaderTests
{
    [Fact]
    public async Task Reads_version_and_aux_fields_of_a_real_file()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        await c.Run("SET", "k", "v");
        var path = await RdbTestSupport.SaveAsync(c);

        await using var file = File.OpenRead(path);
        var info = RdbHeader.TryRead(file);
        Assert.NotNull(info);
        Assert.Equal("REDIS", info.Magic);
        Assert.Equal(10, info.Version);
        Assert.StartsWith("7.0", info.RedisVersion, StringComparison.Ordinal);
        Assert.NotNull(info.CreatedAt);
        Assert.True(info.UsedMemory > 0);
        Assert.Equal("64", info.Aux["redis-bits"]);
    }

    [Fact]
    public async Task Reads_old_files_without_aux_fields()
    {
        await using var file = File.OpenRead(TestData.RedisAsset("encodings.rdb"));
        var info = RdbHeader.TryRead(file);
        Assert.NotNull(info);
        Assert.Equal(4, info.Version);
        Assert.Empty(info.Aux);
        Assert.Null(info.RedisVersion);
    }

    [Theory]
    [InlineData("")]
    [InlineData("REDIS")]
    [InlineData("hello world, not an rdb")]
    [InlineData("VALKEYxyz")]
    public void Non_RDB_streams_give_null(string content)
        => Assert.Null(RdbHeader.TryRead(new MemoryStream(Encoding.ASCII.GetBytes(content))));

    [Fact]
    public void Valkey_magic_is_recognized()
    {
        var bytes = Encoding.ASCII.GetBytes("VALKEY080").Concat(new byte[] { 0xFA, 0x0A }).Concat(Encoding.ASCII.GetBytes("valkey-ver")).Concat(new byte[] { 0x05 }).Concat(Encoding.ASCII.GetBytes("9.0.0")).Concat(new byte[] { 0xFE, 0x00 }).ToArray();
        var info = RdbHeader.TryRead(new MemoryStream(bytes));
        Assert.NotNull(info);
        Assert.Equal("VALKEY", info.Magic);
        Assert.Equal(80, info.Version);
        Assert.Equal("9.0.0", info.RedisVersion);
    }

    [Fact]
    public void Truncated_aux_still_gives_the_header()
    {
        var bytes = Encoding.ASCII.GetBytes("REDIS0011").Concat(new byte[] { 0xFA, 0x09 }).Concat(Encoding.ASCII.GetBytes("redis")).ToArray();
        var info = RdbHeader.TryRead(new MemoryStream(bytes));
        Assert.NotNull(info);
        Assert.Equal(11, info.Version);
        Assert.Empty(info.Aux);
    }
}
