using System.Text;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Rdb;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Rdb;

/// <summary>Damaged copies of a real server's RDB: every one must fail with an offset and a plain description.</summary>
public class CorruptRdbTests
{
    private static async Task<byte[]> RealRdbAsync(params string[] args)
    {
        await using var server = await RedisServer.StartAsync(args);
        await using var c = await server.ConnectAsync();
        await RdbTestSupport.PopulateAllTypesAsync(c);
        return await File.ReadAllBytesAsync(await RdbTestSupport.SaveAsync(c));
    }

    private static Task<RdbSummary> Verify(byte[] bytes, bool deep = false) => RdbVerifier.VerifyAsync(new MemoryStream(bytes), deep);

    [Fact]
    public async Task Flipped_byte_inside_a_value_is_a_CRC_mismatch_naming_both_values()
    {
        var bytes = await RealRdbAsync();
        var at = bytes.AsSpan().IndexOf("crc-marker-"u8);
        Assert.True(at > 0);
        bytes[at + 3] ^= 0x20;
        var ex = await Assert.ThrowsAsync<RdbFormatException>(() => Verify(bytes));
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Equal("RdbCorrupt", ex.ErrorId);
        Assert.Matches("CRC64 mismatch: stored 0x[0-9A-F]{16}, computed 0x[0-9A-F]{16}", ex.Message);
        Assert.Equal(bytes.Length - 8, ex.Offset);
    }

    [Fact]
    public async Task Flipped_checksum_byte_is_a_CRC_mismatch()
    {
        var bytes = await RealRdbAsync();
        bytes[^3] ^= 1;
        var ex = await Assert.ThrowsAsync<RdbFormatException>(() => Verify(bytes));
        Assert.Contains("CRC64 mismatch", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_files_fail_with_the_offset_and_what_was_expected()
    {
        var bytes = await RealRdbAsync();
        var cuts = new[] { 3, 9, 10, 40, bytes.Length / 3, bytes.Length / 2, bytes.Length - 100, bytes.Length - 9, bytes.Length - 8, bytes.Length - 1 };
        foreach (var cut in cuts)
        {
            var ex = await Assert.ThrowsAsync<RdbFormatException>(() => Verify(bytes[..cut]));
            Assert.InRange(ex.Offset, 0, cut);
            Assert.Contains($"the file ended at byte {cut}", ex.Message, StringComparison.Ordinal);
            Assert.Contains("Expected ", ex.Message, StringComparison.Ordinal);
            Assert.Contains($"(at byte offset {ex.Offset})", ex.Message, StringComparison.Ordinal);
        }
        var checksumCut = await Assert.ThrowsAsync<RdbFormatException>(() => Verify(bytes[..^4]));
        Assert.Contains("CRC64 checksum", checksumCut.Message, StringComparison.Ordinal);
        Assert.Equal(bytes.Length - 8, checksumCut.Offset);
    }

    [Fact]
    public async Task Truncated_file_also_fails_the_entry_reader()
    {
        var bytes = await RealRdbAsync();
        var reader = new RdbReader(new MemoryStream(bytes[..(bytes.Length / 2)]));
        var ex = await Assert.ThrowsAsync<RdbFormatException>(async () => { while (await reader.ReadNextAsync() is not null) { } });
        Assert.Contains("file ended", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RADIS0010")]
    [InlineData("REDIS00x0")]
    [InlineData("{\"json\":1")]
    public async Task Wrong_magic_is_rejected(string header)
    {
        var bytes = await RealRdbAsync();
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, 0);
        var ex = await Assert.ThrowsAsync<RdbFormatException>(() => Verify(bytes));
        Assert.Contains("Wrong magic", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, ex.Offset);
        Assert.Null(RdbHeader.TryRead(new MemoryStream(bytes)));
    }

    [Fact]
    public async Task Unsupported_version_is_named()
    {
        var bytes = await RealRdbAsync();
        Encoding.ASCII.GetBytes("REDIS0099").CopyTo(bytes, 0);
        var ex = await Assert.ThrowsAsync<RdbFormatException>(() => Verify(bytes));
        Assert.Contains("Unsupported RDB format version 99", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_type_byte_is_named_with_its_offset()
    {
        await using var server = await RedisServer.StartAsync("--rdbchecksum", "no");
        await using var c = await server.ConnectAsync();
        await c.Run("SET", "only-key", "value");
        var bytes = await File.ReadAllBytesAsync(await RdbTestSupport.SaveAsync(c));
        var keyAt = bytes.AsSpan().IndexOf("\x08only-key"u8);
        Assert.True(keyAt > 1);
        var typeAt = keyAt - 1;
        Assert.Equal(0, bytes[typeAt]);
        bytes[typeAt] = 200;
        var ex = await Assert.ThrowsAsync<RdbFormatException>(() => Verify(bytes));
        Assert.Contains("byte 200 (0xC8)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(typeAt, ex.Offset);
    }

    [Fact]
    public async Task Empty_stream_is_rejected()
    {
        var ex = await Assert.ThrowsAsync<RdbFormatException>(() => Verify([]));
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }
}
