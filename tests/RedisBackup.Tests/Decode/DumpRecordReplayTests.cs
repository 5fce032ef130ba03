using RedisBackup.Engine.Formats;
using RedisBackup.Engine.IO;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Rdb;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;
using RedisBackup.Tests.Rdb;

namespace RedisBackup.Tests.Decode;

/// <summary>DUMP records of a key-level file that the target cannot take: decoded and replayed per key; a damaged one is that key's failure.</summary>
public class DumpRecordReplayTests
{
    /// <summary>A key-level file of Redis 7.4 payloads (RDB 12): "good" (a string with a TTL), "list", and "damaged" (a CRC64 that does not match), in that order or damaged first.</summary>
    private static async Task<string> WriteFileAsync(TempDirectory dir, bool damagedFirst = false)
    {
        var path = dir.Combine("redis-keys-20260101-000000.jsonl.gz");
        var good = DumpPayload.Create(0, new RdbBuilder("").Str("hello").Bytes(), 12); // a Redis 7.4 string payload
        var list = DumpPayload.Create(1, new RdbBuilder("").Len(2).Str("a").Str("b").Bytes(), 12);
        var damaged = DumpPayload.Create(0, new RdbBuilder("").Str("broken").Bytes(), 12);
        damaged[2] ^= 0x20;
        await using (var file = File.Create(path))
        {
            var gzip = GzipFactory.Fastest(file);
            await using (gzip)
            {
                using var writer = new KeyRecordWriter(gzip);
                writer.WriteHeader(new KeyFileHeader { CreatedAt = DateTimeOffset.UtcNow, SourceAddress = "test", ServerVersion = "7.4.1", Exact = true });
                var broken = new KeyRecord { Key = "damaged"u8.ToArray(), Type = "string", Dump = damaged };
                if (damagedFirst) writer.WriteKey(broken);
                writer.WriteKey(new KeyRecord { Key = "good"u8.ToArray(), Type = "string", Dump = good, ExpireAtMs = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds(), TtlMs = 3_600_000 });
                writer.WriteKey(new KeyRecord { Key = "list"u8.ToArray(), Type = "list", Dump = list });
                if (!damagedFirst) writer.WriteKey(broken);
                writer.WriteTrailer(new KeyFileTrailer { Keys = 3, Records = 3, KeysPerDatabase = new Dictionary<int, long> { [0] = 3 }, FieldTtls = 0, CompletedAt = DateTimeOffset.UtcNow });
                await writer.FlushAsync(CancellationToken.None);
            }
        }
        return path;
    }

    [Fact]
    public async Task A_damaged_payload_fails_its_key_and_the_others_are_replayed()
    {
        using var dir = new TempDirectory();
        var path = await WriteFileAsync(dir);

        await using var target = await RedisServer.StartAsync();
        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = path, Endpoint = target.Endpoint });
        Assert.Equal((2L, 2L, 1L), (result.Restored, result.Replayed, result.Failed));
        var failure = Assert.Single(result.Failures);
        Assert.Equal("damaged", failure.Key);
        Assert.Contains("DUMP payload is damaged: its CRC64", failure.Reason, StringComparison.Ordinal);
        Assert.Equal("hello", await KeyFiles.GetAsync(target, 0, "good"));
        Assert.InRange((await KeyFiles.RunAsync(target, 0, "PTTL", "good")).AsInt64(), 3_000_000, 3_600_000);
        Assert.Equal(["a", "b"], (await KeyFiles.RunAsync(target, 0, "LRANGE", "list", "0", "-1")).AsArray().Select(v => v.AsString()));
    }

    [Fact]
    public async Task With_fail_fast_a_key_that_cannot_be_written_stops_the_restore_with_exact_counts()
    {
        using var dir = new TempDirectory();
        var path = await WriteFileAsync(dir, damagedFirst: true);
        await using var target = await RedisServer.StartAsync();

        var ex = await Assert.ThrowsAsync<RestoreInterruptedException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Path = path, Endpoint = target.Endpoint, SkipVerify = true, Options = new RestoreOptions { FailFast = true } }).WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal("RestoreKeyFailed", ex.ErrorId);
        Assert.Contains("Key 'damaged'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("fail-fast", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, ex.Partial.Failed);
        Assert.Equal(0, ex.Partial.Unconfirmed);
        Assert.Equal(await ServerComparison.DbSizeAsync(target, 0), ex.Partial.Restored); // the keys of the batch already under way, exactly
    }
}
