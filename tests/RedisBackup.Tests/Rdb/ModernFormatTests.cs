using System.Text;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Restore;

namespace RedisBackup.Tests.Rdb;

/// <summary>
/// Files of the servers that cannot run here (Redis 8.6, 8.8 and 8.10: RDB 13, 14 and 15; Valkey 9.0 and 9.2: VALKEY080
/// and VALKEY081), written byte by byte from the layouts in their sources (docs/rdb-format.md). A walk that ends exactly
/// at the EOF opcode with a matching CRC proves each value was passed by its full layout; deep walks check the inside.
/// </summary>
public class ModernFormatTests
{
    private static async Task<RdbSummary> Verify(byte[] bytes, bool deep = false) => await RdbVerifier.VerifyAsync(new MemoryStream(bytes), deep);

    private static async Task<(List<RdbEntry> Entries, RdbReader Reader)> Read(byte[] bytes)
    {
        var reader = new RdbReader(new MemoryStream(bytes));
        var list = new List<RdbEntry>();
        while (await reader.ReadNextAsync() is { } e) list.Add(e);
        return (list, reader);
    }

    private static async Task<RdbSummary> VerifyBoth(byte[] bytes)
    {
        await Verify(bytes, deep: true);
        return await Verify(bytes);
    }

    [Fact]
    public async Task Redis_8_6_key_metadata_and_idempotent_streams_are_walked_and_kept_for_restore()
    {
        var file = new RdbBuilder("REDIS0013")
            .Aux("redis-ver", "8.6.0").Aux("redis-bits", "64")
            .SelectDb(0).Byte(0xFB).Len(3).Len(1)
            // A key whose module metadata class wrote one value: KEY_META, 1 class, 4-byte class spec, module data.
            .Byte(0xFC).U64(1_900_000_000_000).Byte(0xF3).Len(1).Raw(0x41, 0x42, 0x43, 0x44).ModuleData(7, "meta")
            .Key(0, "with-meta").Str("v")
            .Key(26, "stream:idmp").StreamValue(4)
            .Key(0, "after").Str("x")
            .End();

        var summary = await VerifyBoth(file);
        Assert.Equal(13, summary.Version);
        Assert.False(summary.NewerThanReader);
        Assert.True(summary.IsComplete);
        Assert.Equal(3, summary.Keys);
        Assert.Equal(1, summary.KeysWithMetadata);
        Assert.Equal("checksum OK; structure checked to the end", summary.CheckDescription);

        var (entries, _) = await Read(file);
        Assert.Equal(["with-meta", "stream:idmp", "after"], entries.Select(e => RdbTestSupport.Text(e.Key)));
        var meta = entries[0].KeyMetadata!;
        Assert.Equal(0xF3, meta[0]);
        Assert.Equal(1_900_000_000_000, entries[0].ExpireAtMs);
        // The RESTORE payload carries the metadata record before the type byte, as DUMP on Redis 8.6 writes it.
        var payload = DumpPayload.Create(meta, entries[0].Type, entries[0].Value, 13);
        Assert.Equal(meta, payload[..meta.Length]);
        Assert.Equal(0, payload[meta.Length]);
        Assert.Null(entries[1].KeyMetadata);
        Assert.Equal("stream", RdbFormatCatalog.LogicalType(RdbFamily.Redis, entries[1].Type));
    }

    [Fact]
    public async Task Redis_8_8_nacked_streams_and_arrays_are_walked()
    {
        var file = new RdbBuilder("REDIS0014")
            .Aux("redis-ver", "8.8.0")
            .SelectDb(0)
            .Key(27, "stream:nack").StreamValue(5)
            // An array with an insert index and one element of each tag: string, int64, double, short string.
            .Key(28, "array").Len(4).Len(1).Len(9)
            .Len(0).Len(0).Str("a long string value")
            .Len(3).Len(1).U64(unchecked((ulong)-42L))
            .Len(7).Len(2).Raw(BitConverter.GetBytes(2.5))
            .Len(9).Len(3).Str("short")
            .Key(28, "array:no-insert-index").Len(1).Len(0).Len(100).Len(3).Str("x")
            .End();
        var summary = await VerifyBoth(file);
        Assert.Equal(3, summary.Keys);
        Assert.True(summary.IsComplete);
        Assert.Equal([27, 28, 28], (await Read(file)).Entries.Select(e => (int)e.Type));

        var badTag = new RdbBuilder("REDIS0014").SelectDb(0).Key(28, "a").Len(1).Len(0).Len(0).Len(4).U64(0).End();
        Assert.Contains("tag 4", (await Assert.ThrowsAsync<RdbFormatException>(() => Verify(badTag))).Message, StringComparison.Ordinal);
        var badFlag = new RdbBuilder("REDIS0014").SelectDb(0).Key(28, "a").Len(1).Len(2).Len(0).Len(0).Str("x").End();
        Assert.Contains("insert-index flag is 2", (await Assert.ThrowsAsync<RdbFormatException>(() => Verify(badFlag))).Message, StringComparison.Ordinal);
        var unordered = new RdbBuilder("REDIS0014").SelectDb(0).Key(28, "a").Len(2).Len(0).Len(5).Len(3).Str("x").Len(5).Len(3).Str("y").End();
        await Verify(unordered);
        Assert.Contains("ascending", (await Assert.ThrowsAsync<RdbFormatException>(() => Verify(unordered, deep: true))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redis_8_10_hash_templates_are_read_and_references_carry_their_field_names()
    {
        var file = new RdbBuilder("REDIS0015")
            .Aux("redis-ver", "8.10.0")
            // The template section: template 5 with fields age, name, email.
            .Byte(0xF2).Len(5).Len(3).Str("age").Str("name").Str("email")
            .SelectDb(0)
            .Key(30, "user:lp").Str(RdbBuilder.ListpackOf(5, 42, "Ada", "ada@example.com"))
            .Key(32, "user:array").Len(5).Int8(37).Str("Grace").Str("grace@example.com")
            .Key(29, "self:lp").Len(2).Str("a").Str("b").Str(RdbBuilder.ListpackOf("1", "2"))
            .Key(31, "self:array").Len(2).Str("a").Str("1").Str("b").Str("2")
            .End();
        var summary = await VerifyBoth(file);
        Assert.Equal(4, summary.Keys);
        Assert.Equal(1, summary.HashTemplates);

        var (entries, reader) = await Read(file);
        Assert.Equal(["age", "name", "email"], reader.HashTemplates[5].Select(RdbTestSupport.Text));
        Assert.Equal(["age", "name", "email"], entries[0].HashTemplate!.Select(RdbTestSupport.Text));
        Assert.Equal(["age", "name", "email"], entries[1].HashTemplate!.Select(RdbTestSupport.Text));
        Assert.Null(entries[2].HashTemplate);

        // Inlined for RESTORE as the self-contained template array (type 31): count, then field and value pairs.
        Assert.Equal(new RdbBuilder("").Len(3).Str("age").Str("42").Str("name").Str("Ada").Str("email").Str("ada@example.com").Bytes(),
            TemplateHashPayload.Inline(entries[0]));
        Assert.Equal(new RdbBuilder("").Len(3).Str("age").Int8(37).Str("name").Str("Grace").Str("email").Str("grace@example.com").Bytes(),
            TemplateHashPayload.Inline(entries[1]));

        var undefined = new RdbBuilder("REDIS0015").SelectDb(0).Key(32, "u").Len(9).Str("x").End();
        Assert.Contains("hash template 9, which the file has not defined", (await Assert.ThrowsAsync<RdbFormatException>(() => Verify(undefined))).Message, StringComparison.Ordinal);
        var twice = new RdbBuilder("REDIS0015").Byte(0xF2).Len(1).Len(1).Str("f").Byte(0xF2).Len(1).Len(1).Str("g").SelectDb(0).End();
        Assert.Contains("defined twice", (await Assert.ThrowsAsync<RdbFormatException>(() => Verify(twice))).Message, StringComparison.Ordinal);
        var tooFew = new RdbBuilder("REDIS0015").Byte(0xF2).Len(1).Len(2).Str("f").Str("g").SelectDb(0).Key(30, "k").Str(RdbBuilder.ListpackOf(1, "x")).End();
        await Verify(tooFew);
        Assert.Contains("holds 1 values, but its template 1 has 2 fields", (await Assert.ThrowsAsync<RdbFormatException>(() => Verify(tooFew, deep: true))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Valkey_9_2_files_with_slot_import_hash_2_and_inline_commands_are_read()
    {
        var file = new RdbBuilder("VALKEY081")
            .Aux("valkey-ver", "9.2.0").Aux("redis-ver", "7.2.4")
            .Byte(0xF3).Str("job-1").Len(1).Len(0).Len(5460)
            .SelectDb(0)
            .Key(22, "hash2").Len(2).Str("f1").Str("v1").U64(ulong.MaxValue).Str("f2").Str("v2").U64(1_900_000_000_000)
            .Byte(0xF2).Raw(Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n"))
            .Key(0, "after").Str("x")
            .End();
        var summary = await VerifyBoth(file);
        Assert.Equal("VALKEY", summary.Magic);
        Assert.Equal(81, summary.Version);
        Assert.Equal(2, summary.Keys);
        Assert.Equal(1, summary.InlineCommands);
        Assert.True(summary.IsComplete);

        var (entries, _) = await Read(file);
        Assert.Equal([RdbEntryKind.Key, RdbEntryKind.Command, RdbEntryKind.Key], entries.Select(e => e.Kind));
        Assert.Equal(["SET", "k", "value"], entries[1].Command!.Select(RdbTestSupport.Text));
        Assert.All(entries, e => Assert.Equal(RdbFamily.Valkey, e.Family));

        var badResp = new RdbBuilder("VALKEY081").SelectDb(0).Byte(0xF2).Raw(Encoding.ASCII.GetBytes("*1\r\n$3\r\nSETX\r\n")).End();
        Assert.Contains("not followed by CRLF", (await Assert.ThrowsAsync<RdbFormatException>(() => Verify(badResp))).Message, StringComparison.Ordinal);
        // Opcode 242 was not written by Valkey 9.0: with a matching checksum it is newer than that format, not damage.
        var in80 = new RdbBuilder("VALKEY080").SelectDb(0).Byte(0xF2).Raw(Encoding.ASCII.GetBytes("*1\r\n$4\r\nPING\r\n")).End();
        Assert.True((await Verify(in80)).IsComplete, "the reader knows UPDATE whatever the file's version says, as Valkey's own loader does");
    }

    [Fact]
    public async Task The_magic_decides_what_type_22_and_opcode_243_mean()
    {
        // Redis 7.4 RC: type 22 is a hash with absolute field TTLs per field (a length before each field).
        var redis = new RdbBuilder("REDIS0012").SelectDb(0).Key(22, "h").Len(1).Len(0).Str("f").Str("v").End();
        // Valkey 9: type 22 is HASH_2, field, value, then an 8-byte expiry (-1: none).
        var valkey = new RdbBuilder("VALKEY080").SelectDb(0).Key(22, "h").Len(1).Str("f").Str("v").U64(ulong.MaxValue).End();
        Assert.Equal(1, (await VerifyBoth(redis)).Keys);
        Assert.Equal(1, (await VerifyBoth(valkey)).Keys);
        // The other family's layout does not fit either file.
        var swapped = Encoding.ASCII.GetBytes("VALKEY080").Concat(redis[9..]).ToArray();
        await Assert.ThrowsAnyAsync<RdbFormatException>(() => Verify(Reseal(swapped)));

        // Opcode 243: KEY_META before a Redis key, SLOT_IMPORT in a Valkey file.
        var keyMeta = new RdbBuilder("REDIS0013").SelectDb(0).Byte(0xF3).Len(1).Raw(1, 2, 3, 4).ModuleData(1, "m").Key(0, "k").Str("v").End();
        Assert.Equal(1, (await VerifyBoth(keyMeta)).KeysWithMetadata);
        var slotImport = new RdbBuilder("VALKEY080").Byte(0xF3).Str("job").Len(1).Len(1).Len(2).SelectDb(0).Key(0, "k").Str("v").End();
        Assert.Equal(0, (await VerifyBoth(slotImport)).KeysWithMetadata);
    }

    [Fact]
    public async Task Headers_of_every_known_version_and_invalid_ones()
    {
        foreach (var (magic, version) in new[] { ("REDIS0001", 1), ("REDIS0011", 11), ("REDIS0012", 12), ("REDIS0013", 13), ("REDIS0014", 14), ("REDIS0015", 15), ("VALKEY080", 80), ("VALKEY081", 81) })
        {
            var builder = new RdbBuilder(magic).SelectDb(0).Key(0, "k").Str("v");
            var summary = await Verify(version >= 5 ? builder.End() : builder.EndWithoutChecksum());
            Assert.Equal(version, summary.Version);
            Assert.False(summary.NewerThanReader, magic);
            Assert.True(summary.IsComplete, magic);
        }
        var valkeyLow = new RdbBuilder("VALKEY079").SelectDb(0).End();
        Assert.Contains("only for format versions 80 and above", (await Assert.ThrowsAsync<RdbFormatException>(() => Verify(valkeyLow))).Message, StringComparison.Ordinal);
        var zero = new RdbBuilder("REDIS0000").SelectDb(0).End();
        Assert.Contains("no RDB format version 0", (await Assert.ThrowsAsync<RdbFormatException>(() => Verify(zero))).Message, StringComparison.Ordinal);
    }

    /// <summary>Replaces the trailing CRC64 of a whole file with the right one for its bytes.</summary>
    internal static byte[] Reseal(byte[] file)
    {
        var copy = (byte[])file.Clone();
        BitConverter.GetBytes(Crc64.Update(0, copy.AsSpan(0, copy.Length - 8))).CopyTo(copy, copy.Length - 8);
        return copy;
    }
}
