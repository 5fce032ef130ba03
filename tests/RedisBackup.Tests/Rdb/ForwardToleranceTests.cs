using RedisBackup.Engine.Rdb;

namespace RedisBackup.Tests.Rdb;

/// <summary>
/// A file from a server newer than this reader is still a backup: its CRC64 is checked over the whole file and its
/// structure up to the first byte the reader does not know. Damage is still refused: a bad CRC, a truncated file, no
/// checksum to tell a newer format from damage, or a structure error inside a known type.
/// </summary>
public class ForwardToleranceTests
{
    private static Task<RdbSummary> Verify(byte[] bytes, bool deep = false) => RdbVerifier.VerifyAsync(new MemoryStream(bytes), deep);

    /// <summary>Keys in databases 0 and 3, then type 40 (a future type) with a 3 MB value, a key after it, EOF and the CRC.</summary>
    private static (byte[] File, long UnknownAt) FileWithFutureType(string magic = "REDIS0016", bool checksum = true)
    {
        var b = new RdbBuilder(magic).Aux("redis-ver", "9.0.0").SelectDb(0)
            .Key(0, "a").Str("1")
            .Byte(0xFC).U64(1_900_000_000_000).Key(0, "b").Str("2")
            .SelectDb(3).Key(2, "s").Len(1).Str("m");
        var at = b.Bytes().Length;
        var future = new byte[3_000_000];
        new Random(7).NextBytes(future);
        b.Key(40, "future").Len((ulong)future.Length).Raw(future).Key(0, "c").Str("3");
        return (checksum ? b.End() : b.End(checksum: false), at);
    }

    [Theory]
    [InlineData("REDIS0016")]
    [InlineData("REDIS0015")]
    [InlineData("VALKEY082")]
    public async Task An_unknown_type_with_a_matching_checksum_is_checked_up_to_it_and_says_so(string magic)
    {
        var (file, at) = FileWithFutureType(magic);
        foreach (var deep in new[] { false, true })
        {
            var summary = await Verify(file, deep);
            Assert.False(summary.IsComplete);
            Assert.Equal(at, summary.Unchecked!.Offset);
            Assert.Equal(40, summary.Unchecked.Code);
            Assert.Equal($"checksum OK; structure checked to byte {at}; type 40 at byte {at} is newer than this version of RedisBackup knows", summary.CheckDescription);
            Assert.True(summary.ChecksumPresent);
            Assert.Equal(file.Length, summary.Bytes);
            Assert.Equal(3, summary.Keys);
            Assert.Equal(1, summary.KeysWithExpiry);
            Assert.Equal(2, summary.KeysPerDatabase[0]);
            Assert.Equal(1, summary.KeysPerDatabase[3]);
            Assert.Equal(magic != "REDIS0015", summary.NewerThanReader);
        }

        // The entry reader gives every key before the unknown part, then ends there.
        var reader = new RdbReader(new MemoryStream(file));
        var keys = new List<string>();
        while (await reader.ReadNextAsync() is { } e) keys.Add($"{e.Database}/{RdbTestSupport.Text(e.Key)}");
        Assert.Equal(["0/a", "0/b", "3/s"], keys);
        Assert.Equal(at, reader.Summary.Unchecked!.Offset);
        Assert.Null(await reader.ReadNextAsync());
    }

    [Fact]
    public async Task An_unknown_opcode_and_a_type_without_a_known_layout_are_named()
    {
        var opcode = new RdbBuilder("REDIS0015").SelectDb(0).Key(0, "a").Str("1");
        var at = opcode.Bytes().Length;
        var file = opcode.Byte(0xF1).Len(3).Raw(1, 2, 3).Key(0, "b").Str("2").End();
        Assert.Equal($"checksum OK; structure checked to byte {at}; opcode 241 (0xF1) at byte {at} is newer than this version of RedisBackup knows", (await Verify(file)).CheckDescription);

        var gcra = new RdbBuilder("REDIS0014").SelectDb(0);
        var gcraAt = gcra.Bytes().Length;
        var gcraFile = gcra.Key(33, "limiter").Raw(1, 2, 3, 4).End();
        Assert.Contains($"type 33 (Redis GCRA) at byte {gcraAt} has a layout this version of RedisBackup does not know", (await Verify(gcraFile)).CheckDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Damage_is_still_refused()
    {
        var (file, at) = FileWithFutureType();

        var flipped = (byte[])file.Clone();
        flipped[at + 100_000] ^= 0x01; // inside the part the walk could not follow: only the CRC sees it
        var badCrc = await Assert.ThrowsAsync<RdbFormatException>(() => Verify(flipped));
        Assert.Contains("CRC64 over the whole file does not match", badCrc.Message, StringComparison.Ordinal);
        Assert.Equal(at, badCrc.Offset);

        foreach (var cut in new[] { file.Length - 1, file.Length - 9, file.Length - 500_000, (int)at + 5 })
        {
            var truncated = await Assert.ThrowsAsync<RdbFormatException>(() => Verify(file[..cut]));
            Assert.Contains("byte 40 (0x28)", truncated.Message, StringComparison.Ordinal);
        }

        var (noChecksum, _) = FileWithFutureType(checksum: false);
        var unchecked_ = await Assert.ThrowsAsync<RdbFormatException>(() => Verify(noChecksum));
        Assert.Contains("without a checksum (rdbchecksum no)", unchecked_.Message, StringComparison.Ordinal);
        Assert.Equal(at, unchecked_.Offset);

        var old = new RdbBuilder("REDIS0004").SelectDb(0).Key(40, "k").Str("v").EndWithoutChecksum();
        Assert.Contains("has no checksum (format version 4)", (await Assert.ThrowsAsync<RdbFormatException>(() => Verify(old))).Message, StringComparison.Ordinal);

        // A structure error inside a known type is corruption even with a matching checksum, in a newer file too.
        var inKnown = new RdbBuilder("REDIS0016").SelectDb(0).Key(18, "l").Len(1).Len(3).Str("x").End();
        var known = await Assert.ThrowsAsync<RdbFormatException>(() => Verify(inKnown));
        Assert.Contains("container kind 3", known.Message, StringComparison.Ordinal);
        Assert.Contains("Unsupported RDB format version 16", known.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_newer_version_whose_records_are_all_known_is_checked_completely()
    {
        var file = new RdbBuilder("REDIS0016").SelectDb(0).Key(0, "k").Str("v").Key(20, "s").Str(RdbBuilder.Listpack("a")).End();
        var summary = await Verify(file, deep: true);
        Assert.True(summary.IsComplete);
        Assert.True(summary.NewerThanReader);
        Assert.Equal(2, summary.Keys);
        Assert.Contains("format version 16 is newer than this reader knows, but every record in it has a known layout", summary.CheckDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reader_older_than_the_file_stops_at_the_first_type_it_does_not_know()
    {
        // A file of Redis 8.8 read by a release of RedisBackup that knew formats up to RDB 13 (Redis 8.6).
        var b = new RdbBuilder("REDIS0014").SelectDb(0).Key(26, "s4").StreamValue(4);
        var at = b.Bytes().Length;
        var file = b.Key(27, "s5").StreamValue(5).End();
        Assert.True((await Verify(file)).IsComplete);
        using (RdbFormatCatalog.SimulateOlderReader(13, 80))
        {
            var summary = await Verify(file);
            Assert.True(summary.NewerThanReader);
            Assert.Equal($"checksum OK; structure checked to byte {at}; type 27 at byte {at} is newer than this version of RedisBackup knows", summary.CheckDescription);
        }
        Assert.True((await Verify(file)).IsComplete, "the simulation ends with its scope");
    }
}
