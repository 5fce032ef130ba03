using System.Text;
using RedisBackup.Engine.Decode;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;
using RedisBackup.Tests.Rdb;

namespace RedisBackup.Tests.Decode;

/// <summary>The decoder's parts against what a real server does: LZF strings, glob patterns, module type names.</summary>
public class DecoderPartsTests
{
    [Fact]
    public async Task LZF_strings_decompress_piece_by_piece_to_what_the_server_holds()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        var rnd = new Random(3);
        var expected = new Dictionary<string, byte[]>();
        foreach (var size in new[] { 21, 22, 100, 255, 256, 8191, 8192, 8193, 70_000, 300_001 })
        {
            // Text with repeats near and far (back references up to the 8 KiB limit) and some noise.
            var text = new StringBuilder();
            while (text.Length < size) text.Append(rnd.Next(4) == 0 ? rnd.Next().ToString("x", System.Globalization.CultureInfo.InvariantCulture) : "repeat-" + (text.Length % 5000) + ",");
            var value = Encoding.ASCII.GetBytes(text.ToString(0, size));
            expected["s" + size] = value;
            await c.Run("SET", "s" + size, value);
        }
        var path = await RdbTestSupport.SaveAsync(c);
        var reader = RdbReader.WithLazyValues(File.OpenRead(path));
        var compressed = 0;
        while (await reader.ReadNextAsync() is { } entry)
        {
            var input = reader.BeginValue(out var type, out var offset);
            compressed += input.PeekByte() == 0xC3 ? 1 : 0;
            // Pieces of 97 bytes: every back reference and literal run crosses piece boundaries somewhere.
            var decoder = new RdbValueDecoder(input, entry.Family, reader.HashTemplates, windowBytes: 97);
            var pieces = decoder.Decode(type, offset).Select(r => Assert.Single(r.Items)).ToList();
            reader.EndValue();
            var key = Encoding.ASCII.GetString(entry.Key);
            Assert.Equal(expected[key], pieces.SelectMany(p => p).ToArray());
            Assert.All(pieces, p => Assert.InRange(p.Length, 1, 97 + 264));
        }
        Assert.True(compressed >= 8, $"{compressed} of the strings were LZF-compressed in the file");
    }

    [Fact]
    public async Task Glob_patterns_match_what_Redis_matches()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        byte[][] keys =
        [
            "a"u8.ToArray(), "abc"u8.ToArray(), "abd"u8.ToArray(), "xb"u8.ToArray(), "hello"u8.ToArray(), "hallo"u8.ToArray(), "hxllo"u8.ToArray(),
            "*x"u8.ToArray(), "a?b"u8.ToArray(), "axb"u8.ToArray(), "key9"u8.ToArray(), "key-"u8.ToArray(), "[ab"u8.ToArray(), "b"u8.ToArray(),
            ""u8.ToArray(), [0xff, 0x00, 0x41], "user:1:name"u8.ToArray(), "user:22:name"u8.ToArray(), "z-a"u8.ToArray(), "\\"u8.ToArray(),
        ];
        foreach (var key in keys) await c.Run("SET", key, "v");
        string[] patterns =
        [
            "*", "a*", "*b", "a?c", "[abc]*", "[^a]*", "[a-c]x", "\\*x", "h[ae]llo", "*[0-9]", "[z-a]*", "a\\?b", "[ab", "user:*:name",
            "user:?:name", "?", "", "*\\\\", "[\\]]*", "h*llo*", "**b", "[a-]*", "[ab]", "[^", "[", "\\", "a[", "*[", "[b-a]",
        ];
        foreach (var pattern in patterns)
        {
            var redis = (await c.Run("KEYS", pattern)).AsArray().Select(k => Convert.ToHexString(k.Bytes!)).Order().ToList();
            // "*" takes every key, the empty one too, as KEYS and SCAN do; the filter treats an empty pattern as none.
            var filter = new KeyFilter(null, pattern, null);
            var ours = keys.Where(k => pattern.Length == 0 ? KeyFilter.GlobMatch([], k) : filter.TakesKey(k)).Select(Convert.ToHexString).Order().ToList();
            Assert.True(redis.SequenceEqual(ours), $"pattern '{pattern}': Redis {string.Join(",", redis)}, ours {string.Join(",", ours)}");
        }
    }

    [Fact]
    public void Module_type_ids_name_their_type()
    {
        // RedisJSON registers "ReJSON-RL" with encoding version 3: the id packs 9 six-bit characters, then 10 bits.
        const string charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        ulong id = 0;
        foreach (var ch in "ReJSON-RL") id = (id << 6) | (uint)charset.IndexOf(ch, StringComparison.Ordinal);
        id = (id << 10) | 3;
        Assert.Equal("ReJSON-RL", RdbModuleTypes.NameOf(id));
        Assert.Equal(3, RdbModuleTypes.EncodingVersionOf(id));
    }
}
