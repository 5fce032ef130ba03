using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.Rdb;
using Xunit.Abstractions;

namespace RedisBackup.Tests.Decode;

/// <summary>
/// The decoder streams: an RDB holding a 400 MB string and a 5-million-member hash, written by Redis 7.4 (RDB 12, which
/// Redis 7.0 cannot RESTORE), restored live into Redis 7.0 by the CLI as a child process, is decoded and replayed in
/// windows with the CLI's peak RSS under 200 MB (a generous bound: the values alone are over 500 MB), and every byte and
/// field is read back and compared. inspect and convert of the same file stay under the same bound.
/// </summary>
public class DecoderMemoryTests(ITestOutputHelper output)
{
    private const long StringBytes = 400L << 20;
    private const int HashFields = 5_000_000;
    private const long PeakRssLimitKb = 200 * 1024;

    [Fact(Timeout = 20 * 60 * 1000)]
    public async Task A_400_MB_string_and_a_5_million_member_hash_replay_in_bounded_memory()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("big.rdb");
        await WriteRdbAsync(path);
        output.WriteLine($"RDB file: {new FileInfo(path).Length / 1048576.0:0} MB");

        await using var target = await RedisServer.StartAsync();
        var (outcome, peakKb) = await ChildPeakRss.RunCliAsync(TimeSpan.FromMinutes(15),
            "restore", path, "--host", "127.0.0.1", "--port", target.Port.ToString(CultureInfo.InvariantCulture), "--json");
        output.WriteLine($"CLI peak RSS: {peakKb / 1024.0:0} MB; {outcome.Stdout}");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var json = outcome.Json();
        Assert.Equal(2, json.GetProperty("restored").GetInt64());
        Assert.Equal(2, json.GetProperty("replayed").GetInt64());
        Assert.True(peakKb < PeakRssLimitKb, $"peak RSS {peakKb / 1024} MB, limit {PeakRssLimitKb / 1024} MB");

        await using var c = await target.ConnectAsync();
        Assert.Equal(StringBytes, (await c.Run("STRLEN", "big:string")).AsInt64());
        var expected = new byte[4 << 20];
        var generator = new Filler(42);
        for (long at = 0; at < StringBytes; at += expected.Length)
        {
            generator.Fill(expected);
            var got = (await c.Run("GETRANGE", "big:string", at, at + expected.Length - 1)).Bytes!;
            Assert.True(got.AsSpan().SequenceEqual(expected), $"big:string differs in the 4 MB from byte {at}");
        }
        Assert.Equal(HashFields, (await c.Run("HLEN", "big:hash")).AsInt64());
        var seen = 0;
        var cursor = "0";
        do
        {
            var reply = (await c.Run("HSCAN", "big:hash", cursor, "COUNT", "20000")).AsArray();
            cursor = reply[0].AsString()!;
            var items = reply[1].AsArray();
            for (var i = 0; i < items.Length; i += 2)
            {
                var field = items[i].AsString()!;
                Assert.Equal(Value(int.Parse(field.AsSpan(1), CultureInfo.InvariantCulture)), items[i + 1].AsString());
                seen++;
            }
        }
        while (cursor != "0");
        Assert.True(seen >= HashFields);

        // inspect and convert read the same file in bounded memory too.
        var (inspect, inspectKb) = await ChildPeakRss.RunCliAsync(TimeSpan.FromMinutes(10), "inspect", path, "--json");
        output.WriteLine($"inspect peak RSS: {inspectKb / 1024.0:0} MB");
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Equal("big:string", inspect.Json().GetProperty("biggestKeys")[0].GetProperty("key").GetString());
        Assert.True(inspectKb < PeakRssLimitKb, $"inspect peak RSS {inspectKb / 1024} MB");

        var (convert, convertKb) = await ChildPeakRss.RunCliAsync(TimeSpan.FromMinutes(15), "convert", path, "--dir", dir.Combine("catalog"), "--skip-verify", "--json");
        output.WriteLine($"convert peak RSS: {convertKb / 1024.0:0} MB");
        Assert.True(convert.ExitCode == 0, convert.ToString());
        Assert.Equal(2, convert.Json().GetProperty("keyCount").GetInt64());
        Assert.True(convertKb < PeakRssLimitKb, $"convert peak RSS {convertKb / 1024} MB");
    }

    private static string Value(int i) => "v" + ((i * 7919L) % 1_000_003).ToString(CultureInfo.InvariantCulture);

    /// <summary>An RDB 12 file (Redis 7.4) with the two keys, written as it goes (the checksum computed on the way).</summary>
    private static async Task WriteRdbAsync(string path)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        ulong crc = 0;
        var buffer = new MemoryStream();
        async Task Flush()
        {
            crc = Crc64.Update(crc, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            await file.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            buffer.SetLength(0);
        }
        var b = new RdbBuilder("REDIS0012").Aux("redis-ver", "7.4.1").Aux("redis-bits", "64").SelectDb(0).Byte(0xFB).Len(2).Len(0);
        buffer.Write(b.Bytes());
        // The string: type 0, key, a 32-bit length, then the bytes.
        buffer.Write(new RdbBuilder("").Byte(0).Str("big:string").Byte(0x80).Bytes());
        var len = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(len, (uint)StringBytes);
        buffer.Write(len);
        await Flush();
        var chunk = new byte[4 << 20];
        var generator = new Filler(42);
        for (long written = 0; written < StringBytes; written += chunk.Length)
        {
            generator.Fill(chunk);
            buffer.Write(chunk);
            await Flush();
        }
        // The hash: type 4 (hash table), key, a 32-bit count, then field, value pairs.
        buffer.Write(new RdbBuilder("").Byte(4).Str("big:hash").Byte(0x80).Bytes());
        BinaryPrimitives.WriteUInt32BigEndian(len, HashFields);
        buffer.Write(len);
        for (var i = 0; i < HashFields; i++)
        {
            WriteString(buffer, "f" + i.ToString(CultureInfo.InvariantCulture));
            WriteString(buffer, Value(i));
            if (buffer.Length > 1 << 20) await Flush();
        }
        buffer.WriteByte(0xFF);
        await Flush();
        var trailer = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(trailer, crc);
        await file.WriteAsync(trailer);
    }

    private static void WriteString(MemoryStream buffer, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        buffer.WriteByte((byte)bytes.Length); // all under 64 bytes
        buffer.Write(bytes);
    }

    /// <summary>Deterministic incompressible bytes (xorshift64), the same for the writer and the check.</summary>
    private sealed class Filler(ulong seed)
    {
        private ulong _state = seed;

        public void Fill(byte[] target)
        {
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(target.AsSpan());
            for (var i = 0; i < words.Length; i++)
            {
                _state ^= _state << 13;
                _state ^= _state >> 7;
                _state ^= _state << 17;
                words[i] = _state;
            }
        }
    }
}
