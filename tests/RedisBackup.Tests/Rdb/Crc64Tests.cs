using System.Text;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Tests.Rdb;

public class Crc64Tests
{
    [Fact]
    public void Check_value_matches_the_jones_catalogue()
        => Assert.Equal(0xE9C6D914C4B8D9CAUL, Crc64.Update(0, Encoding.ASCII.GetBytes("123456789")));

    [Fact]
    public void Empty_input_leaves_the_CRC_unchanged()
    {
        Assert.Equal(0UL, Crc64.Update(0, []));
        Assert.Equal(0x1234UL, Crc64.Update(0x1234, []));
    }

    [Fact]
    public void Sliced_computation_equals_bitwise_reference_at_every_split()
    {
        var data = new byte[1000];
        new Random(7).NextBytes(data);
        var expected = Bitwise(data);
        Assert.Equal(expected, Crc64.Update(0, data));
        foreach (var split in new[] { 0, 1, 3, 7, 8, 9, 500, 999, 1000 })
            Assert.Equal(expected, Crc64.Update(Crc64.Update(0, data.AsSpan(0, split)), data.AsSpan(split)));
    }

    [Fact]
    public void Folding_and_table_implementations_agree_on_every_length_and_start()
    {
        var data = new byte[4096 + 37];
        var random = new Random(11);
        random.NextBytes(data);
        for (var length = 0; length <= 300; length++)
        {
            foreach (var start in new[] { 0UL, 0xFFFFFFFFFFFFFFFFUL, (ulong)random.NextInt64() })
                Assert.Equal(Crc64.UpdateTable(start, data.AsSpan(0, length)), Crc64.Update(start, data.AsSpan(0, length)));
        }
        Assert.Equal(Crc64.UpdateTable(0, data), Crc64.Update(0, data));
        Assert.Equal(Bitwise(data), Crc64.Update(0, data));
    }

    [Fact]
    public void Folding_constants_come_from_the_jones_polynomial()
    {
        Assert.Equal(0x95AC9329AC4BC9B5UL, Crc64.Reverse(0xAD93D23594C935A9UL));
        // x^64 mod P is P without its top term.
        Assert.Equal(0x95AC9329AC4BC9B5UL, Crc64.ReflectedPowerModP(64));
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
