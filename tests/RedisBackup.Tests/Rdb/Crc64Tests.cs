using System.Text;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Tests.Rdb;

public class Crc64Tests
{
    [Fact]
    public void CheckValueMatchesTheJonesCatalogue()
        => Assert.Equal(0xE9C6D914C4B8D9CAUL, Crc64.Update(0, Encoding.ASCII.GetBytes("123456789")));

    [Fact]
    public void EmptyInputLeavesTheCrcUnchanged()
    {
        Assert.Equal(0UL, Crc64.Update(0, []));
        Assert.Equal(0x1234UL, Crc64.Update(0x1234, []));
    }

    [Fact]
    public void SlicedComputationEqualsBitwiseReferenceAtEverySplit()
    {
        var data = new byte[1000];
        new Random(7).NextBytes(data);
        var expected = Bitwise(data);
        Assert.Equal(expected, Crc64.Update(0, data));
        foreach (var split in new[] { 0, 1, 3, 7, 8, 9, 500, 999, 1000 })
            Assert.Equal(expected, Crc64.Update(Crc64.Update(0, data.AsSpan(0, split)), data.AsSpan(split)));
    }

    /// <summary>The textbook one-bit-at-a-time reflected CRC, independent of the table code.</summary>
    private static ulong Bitwise(ReadOnlySpan<byte> data)
    {
        ulong crc = 0;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x95AC9329AC4BC9B5UL : crc >> 1;
        }
        return crc;
    }
}
