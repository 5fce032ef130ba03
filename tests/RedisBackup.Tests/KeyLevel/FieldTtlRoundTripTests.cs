using System.IO.Compression;
using System.Text.Json;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Redis;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>Hash field TTLs (Redis 7.4) through every kind of backup, into Redis 7.4.</summary>
public class FieldTtlRoundTripTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static long HourAhead() => (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 + 3600) * 1000;

    /// <summary>The header, the key records and the trailer of a key-level file, as JSON.</summary>
    internal static List<JsonElement> Lines(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var text = new StreamReader(gz);
        var lines = new List<JsonElement>();
        while (text.ReadLine() is { } line)
        {
            using var doc = JsonDocument.Parse(line);
            lines.Add(doc.RootElement.Clone());
        }
        return lines;
    }

    [ServerFact("redis-7.4")]
    public async Task A_logical_backup_of_7_4_keeps_every_field_TTL_into_7_4()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        await using var target = await RedisServer.StartVersionAsync("redis-7.4");
        var seeded = await FieldTtlData.FillAsync(source, HourAhead());
        using var dir = new TempDirectory();
        var path = dir.Combine("ttl.jsonl.gz");

        var summary = await KeyFiles.ExportAsync(source, path);
        Assert.Equal(seeded.FieldTtls, summary.FieldTtls);

        // The file: version 2 with "fieldTtl" required; the big hash's field TTLs travel with their windows.
        var lines = Lines(path);
        var header = lines[0];
        Assert.Equal(2, header.GetProperty("version").GetInt32());
        Assert.Equal(KeyFileFormat.Minor, header.GetProperty("minor").GetInt32());
        Assert.Equal(["fieldTtl"], header.GetProperty("requires").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(seeded.FieldTtls, lines[^1].GetProperty("fieldTtls").GetInt64());
        var bigRecords = lines.Where(l => l.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String && k.GetString() == "big").ToList();
        Assert.True(bigRecords.Count >= 3, $"{bigRecords.Count} records for the big hash");
        foreach (var record in bigRecords)
        {
            var fields = record.GetProperty("value").GetArrayLength() / 2;
            if (fields == 0) continue;
            var expiry = record.GetProperty("fieldExpireAt");
            Assert.Equal(fields, expiry.GetArrayLength());
            Assert.True(record.GetProperty("fieldsReadAt").GetInt64() > 0);
        }
        var plain = lines.Single(l => l.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String && k.GetString() == "plain");
        Assert.False(plain.TryGetProperty("fieldExpireAt", out _));

        await using (var f = File.OpenRead(path))
        {
            var check = await KeyFileVerifier.VerifyAsync(f);
            Assert.Equal(seeded.FieldTtls, check.FieldTtls);
            Assert.Equal(["fieldTtl"], check.Requires);
        }

        var result = await KeyFiles.RestoreAsync(path, target.Endpoint);
        Assert.True(result.Success, string.Join("; ", result.Failures));
        Assert.Equal(6, result.Restored);
        Assert.Equal(seeded.FieldTtls, result.FieldTtlsKept);
        Assert.Equal(0, result.FieldTtlsLost);
        Assert.Equal(0, result.FieldsExpired);
        Assert.Empty(result.Warnings);
        await FieldTtlData.AssertSameAsync(source, target, seeded);

        // Replacing what is there gives the same again (the small hash as one HASH_LISTPACK_EX payload, the others typed).
        var again = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Replace });
        Assert.Equal(6, again.Restored);
        Assert.Equal(seeded.FieldTtls, again.FieldTtlsKept);
        await FieldTtlData.AssertSameAsync(source, target, seeded);
        Assert.Equal("listpackex", (await KeyFiles.RunAsync(target, 0, "OBJECT", "ENCODING", "small")).AsString());
    }

    [ServerFact("redis-7.4")]
    public async Task Fields_whose_TTL_has_passed_at_restore_time_are_not_written_and_counted()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        await using var target = await RedisServer.StartVersionAsync("redis-7.4");
        var soon = HourAhead();
        var later = soon + 7_200_000;
        await using (var c = await source.ConnectAsync())
        {
            await c.ExecuteAsync(None, "HSET", "mixed", "short", "1", "long", "2", "none", "3");
            await c.ExecuteAsync(None, "HPEXPIREAT", "mixed", soon, "FIELDS", 1, "short");
            await c.ExecuteAsync(None, "HPEXPIREAT", "mixed", later, "FIELDS", 1, "long");
            await c.ExecuteAsync(None, "HSET", "gone", "a", "1", "b", "2");
            await c.ExecuteAsync(None, "HPEXPIREAT", "gone", soon, "FIELDS", 2, "a", "b");
            for (var start = 0; start < 5000; start += 1000)
            {
                var args = new List<RedisArg> { "HSET", "big-gone" };
                for (var i = start; i < start + 1000; i++) { args.Add("f" + i); args.Add("v"); }
                await c.ExecuteAsync(None, [.. args]);
                var expire = new List<RedisArg> { "HPEXPIREAT", "big-gone", soon, "FIELDS", 1000 };
                for (var i = start; i < start + 1000; i++) expire.Add("f" + i);
                await c.ExecuteAsync(None, [.. expire]);
            }
        }
        using var dir = new TempDirectory();
        var path = dir.Combine("expiring.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);

        // Restored two hours later (a pinned clock): only "long" and "none" are still alive.
        var clock = new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds(soon + 60_000));
        foreach (var policy in new[] { ExistingKeyPolicy.Skip, ExistingKeyPolicy.Replace })
        {
            var result = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { Clock = clock, ExistingKeys = policy });
            Assert.True(result.Success, string.Join("; ", result.Failures));
            Assert.Equal(policy == ExistingKeyPolicy.Skip ? 1 : 1, result.Restored);
            Assert.Equal(2, result.Expired); // "gone" and "big-gone": every field had expired
            Assert.Equal(1 + 2 + 5000, result.FieldsExpired);
            Assert.Equal(1, result.FieldTtlsKept);
            await using var t = await target.ConnectAsync();
            var fields = await FieldTtlData.FieldsAsync(t, "mixed");
            Assert.Equal(2, fields.Count);
            Assert.Equal(later, fields[Convert.ToHexString("long"u8)].ExpireAt);
            Assert.Equal(-1, fields[Convert.ToHexString("none"u8)].ExpireAt);
            Assert.Equal(1, (await t.ExecuteAsync(None, "DBSIZE")).AsInt64());
        }
    }

    [ServerFact("redis-7.4")]
    public async Task The_relative_mode_sets_the_time_each_field_had_left()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        await using var target = await RedisServer.StartVersionAsync("redis-7.4");
        await using (var c = await source.ConnectAsync())
        {
            await c.ExecuteAsync(None, "HSET", "h", "a", "1", "b", "2", "c", "3");
            await c.ExecuteAsync(None, "HPEXPIRE", "h", 100_000, "FIELDS", 1, "a");
            await c.ExecuteAsync(None, "HPEXPIRE", "h", 200_000, "FIELDS", 1, "b");
        }
        using var dir = new TempDirectory();
        var path = dir.Combine("relative.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);
        var record = Lines(path).Single(l => l.GetProperty("rec").GetString() == "key");
        var readAt = record.GetProperty("fieldsReadAt").GetInt64();
        var fields = record.GetProperty("value").EnumerateArray().Where((_, i) => i % 2 == 0).Select(v => v.GetString()!).ToList();
        var expiry = record.GetProperty("fieldExpireAt").EnumerateArray().Select(v => v.GetInt64()).ToList();
        var left = fields.Zip(expiry).Where(p => p.Second != 0).ToDictionary(p => p.First, p => p.Second - readAt);
        Assert.InRange(left["a"], 90_000, 100_000);

        // Restored as if a day later (the pinned clock only matters to the absolute mode): the time left is set.
        var dayLater = new FixedClock(DateTimeOffset.UtcNow.AddDays(1));
        var result = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { Ttl = TtlMode.Relative, Clock = dayLater });
        Assert.Equal(1, result.Restored);
        Assert.Equal(2, result.FieldTtlsKept);
        await using var t = await target.ConnectAsync();
        var ttl = (await t.ExecuteAsync(None, "HPTTL", "h", "FIELDS", 3, "a", "b", "c")).AsArray().Select(v => v.AsInt64()).ToArray();
        Assert.InRange(ttl[0], left["a"] - 10_000, left["a"]);
        Assert.InRange(ttl[1], left["b"] - 10_000, left["b"]);
        Assert.Equal(-1, ttl[2]);

        // The absolute mode with the same clock finds both TTLs passed.
        var absolute = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { Clock = dayLater, ExistingKeys = ExistingKeyPolicy.Replace });
        Assert.Equal(2, absolute.FieldsExpired);
        Assert.Equal(1, (await t.ExecuteAsync(None, "HLEN", "h")).AsInt64());
    }

    [ServerFact("redis-7.4")]
    public async Task Exact_backups_and_RDB_snapshots_of_7_4_keep_field_TTLs()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        var seeded = await FieldTtlData.FillAsync(source, HourAhead());
        using var dir = new TempDirectory();

        // Exact: the DUMP payloads (types 24 and 25) hold the field TTLs themselves. The header still requires fieldTtl:
        // a hash over the exact limit would be written as logical records, with its field TTLs.
        var exact = dir.Combine("exact.jsonl.gz");
        var summary = await KeyFiles.ExportAsync(source, exact, new KeyExportOptions { Exact = true });
        Assert.Equal(0, summary.FieldTtls);
        Assert.Equal(["fieldTtl"], Lines(exact)[0].GetProperty("requires").EnumerateArray().Select(e => e.GetString()));
        await using (var target = await RedisServer.StartVersionAsync("redis-7.4"))
        {
            var result = await KeyFiles.RestoreAsync(exact, target.Endpoint);
            Assert.Equal(6, result.Restored);
            await FieldTtlData.AssertSameAsync(source, target, seeded);
        }

        // An RDB snapshot (SAVE) replayed live.
        await KeyFiles.RunAsync(source, 0, "SAVE");
        await using (var target = await RedisServer.StartVersionAsync("redis-7.4"))
        {
            await using var f = File.OpenRead(Path.Combine(source.Directory, "dump.rdb"));
            var result = await RdbLiveRestorer.RestoreAsync(new BufferedStream(f, 1 << 16), target.Endpoint, new RestoreOptions(), null, None);
            Assert.Equal(6, result.Restored);
            await FieldTtlData.AssertSameAsync(source, target, seeded);
        }
    }

    [ServerFact("redis-7.4")]
    public async Task Field_expiries_are_asked_only_where_they_can_exist()
    {
        using var dir = new TempDirectory();
        // Redis 7.0 has no HPEXPIRETIME: the export never sends it (it would fail) and requires nothing.
        await using (var old = await RedisServer.StartAsync())
        {
            await KeyFiles.RunAsync(old, 0, "HSET", "h", "a", "1");
            var path = dir.Combine("old.jsonl.gz");
            await KeyFiles.ExportAsync(old, path);
            var header = Lines(path)[0];
            Assert.Equal(1, header.GetProperty("version").GetInt32());
            Assert.Empty(header.GetProperty("requires").EnumerateArray());
        }
        // Redis 7.4, strings only: no hash, so no requirement either.
        await using var server = await RedisServer.StartVersionAsync("redis-7.4");
        await KeyFiles.RunAsync(server, 0, "HSET", "h", "a", "1");
        await KeyFiles.RunAsync(server, 0, "HPEXPIRE", "h", 60_000, "FIELDS", 1, "a");
        await KeyFiles.RunAsync(server, 0, "SET", "s", "1");
        var strings = dir.Combine("strings.jsonl.gz");
        await KeyFiles.ExportAsync(server, strings, new KeyExportOptions { Types = ["string"] });
        Assert.Equal(1, Lines(strings)[0].GetProperty("version").GetInt32());
        Assert.Empty(Lines(strings)[0].GetProperty("requires").EnumerateArray());
    }
}
