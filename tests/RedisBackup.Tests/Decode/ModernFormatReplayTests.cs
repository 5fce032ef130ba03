using System.Text;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.Rdb;

namespace RedisBackup.Tests.Decode;

/// <summary>
/// Files of servers that cannot run here (Redis 8.6/8.8/8.10, Valkey 9.0), written byte by byte from their layouts
/// (<see cref="RdbBuilder"/>), restored live into the servers that do run: no target here reads their RDB versions, so
/// every key is decoded and replayed, and what the target cannot hold is counted and named.
/// </summary>
public class ModernFormatReplayTests
{
    private static async Task<RestoreResult> RestoreAsync(byte[] file, RedisServer target)
        => await RdbLiveRestorer.RestoreAsync(new MemoryStream(file), target.Endpoint, new RestoreOptions(), null, CancellationToken.None);

    [ServerFact("redis-7.4")]
    public async Task Redis_8_6_streams_with_idempotent_producers_and_key_metadata_are_replayed()
    {
        var file = new RdbBuilder("REDIS0013")
            .Aux("redis-ver", "8.6.0").Aux("ctime", "1900000000")
            .SelectDb(0)
            .Byte(0xFC).U64(4_000_000_000_000).Byte(0xF3).Len(1).Raw(0x41, 0x42, 0x43, 0x44).ModuleData(7, "meta")
            .Key(0, "with-meta").Str("v")
            .Key(26, "stream:idmp").StreamValue(4)
            .End();
        await using var target = await RedisServer.StartVersionAsync("redis-7.4");
        var result = await RestoreAsync(file, target);
        Assert.Equal((2L, 2L, 0L), (result.Restored, result.Replayed, result.Failed));
        await using var c = await target.ConnectAsync();
        Assert.Equal("v", (await c.Run("GET", "with-meta")).AsString());
        Assert.Equal(4_000_000_000_000, (await c.Run("PEXPIRETIME", "with-meta")).AsInt64());
        await AssertStreamAsync(c, "stream:idmp", owned: 2);
        var warnings = result.Warnings.ToDictionary(w => w.Key, w => w.Reason);
        Assert.Contains("1 key metadata (Redis 8.6 KEY_META)", warnings["with-meta"], StringComparison.Ordinal);
        Assert.Contains("1 idempotent-producer records (Redis 8.6 IDMP)", warnings["stream:idmp"], StringComparison.Ordinal);
        Assert.Equal(1 + 1 + 1, result.DetailsNotKept); // key metadata, the IID, the consumer's times
    }

    [Fact]
    public async Task Redis_8_8_nacked_entries_are_counted_and_arrays_reported_as_failures()
    {
        var file = new RdbBuilder("REDIS0014")
            .Aux("redis-ver", "8.8.0")
            .SelectDb(0)
            .Key(27, "stream:nack").StreamValue(5)
            .Key(28, "array").Len(1).Len(0).Len(100).Len(3).Str("x")
            .End();
        await using var target = await RedisServer.StartAsync();
        var result = await RestoreAsync(file, target);
        Assert.Equal((1L, 1L, 1L), (result.Restored, result.Replayed, result.Failed));
        var failure = Assert.Single(result.Failures);
        Assert.Equal("array", failure.Key);
        Assert.Contains("Redis 8.8 array", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("RDB version 14", failure.Reason, StringComparison.Ordinal);
        await using var c = await target.ConnectAsync();
        await AssertStreamAsync(c, "stream:nack", owned: 1);
        Assert.Contains("1 pending entries no consumer owns (Redis 8.8 NACKs", Assert.Single(result.Warnings).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redis_8_10_template_hashes_become_plain_hashes()
    {
        var file = new RdbBuilder("REDIS0015")
            .Aux("redis-ver", "8.10.0")
            .Byte(0xF2).Len(5).Len(3).Str("age").Str("name").Str("email")
            .SelectDb(3)
            .Key(30, "user:lp").Str(RdbBuilder.ListpackOf(5, 42, "Ada", "ada@example.com"))
            .Key(32, "user:array").Len(5).Int8(37).Str("Grace").Str("grace@example.com")
            .Key(29, "self:lp").Len(2).Str("a").Str("b").Str(RdbBuilder.ListpackOf("1", "2"))
            .Key(31, "self:array").Len(2).Str("a").Str("1").Str("b").Str("2")
            .End();
        await using var target = await RedisServer.StartAsync();
        var result = await RestoreAsync(file, target);
        Assert.Equal((4L, 4L, 0L, 0L), (result.Restored, result.Replayed, result.Failed, result.KeysWithWarnings));
        await using var c = await target.ConnectAsync();
        await c.SelectAsync(3);
        Assert.Equal("age=42 email=ada@example.com name=Ada", await HashAsync(c, "user:lp"));
        Assert.Equal("age=37 email=grace@example.com name=Grace", await HashAsync(c, "user:array"));
        Assert.Equal("a=1 b=2", await HashAsync(c, "self:lp"));
        Assert.Equal("a=1 b=2", await HashAsync(c, "self:array"));
    }

    [ServerFact("redis-7.4", "valkey-8.0")]
    public async Task Valkey_9_hash_2_field_TTLs_are_kept_on_Redis_7_4_and_counted_on_Valkey_8()
    {
        var file = new RdbBuilder("VALKEY080")
            .Aux("valkey-ver", "9.0.0").Aux("redis-ver", "7.2.4")
            .SelectDb(0)
            .Key(22, "hash2").Len(2).Str("f1").Str("v1").U64(ulong.MaxValue).Str("f2").Str("v2").U64(4_000_000_000_000)
            .End();
        await using (var redis74 = await RedisServer.StartVersionAsync("redis-7.4"))
        {
            var kept = await RestoreAsync(file, redis74);
            Assert.Equal((1L, 1L, 1L, 0L), (kept.Restored, kept.Replayed, kept.FieldTtlsKept, kept.FieldTtlsLost));
            await using var c = await redis74.ConnectAsync();
            Assert.Equal("f1=v1 f2=v2", await HashAsync(c, "hash2"));
            var expiry = (await c.Run("HPEXPIRETIME", "hash2", "FIELDS", "2", "f1", "f2")).AsArray().Select(v => v.AsInt64());
            Assert.Equal([-1L, 4_000_000_000_000], expiry);
        }
        await using var valkey8 = await RedisServer.StartVersionAsync("valkey-8.0");
        var lost = await RestoreAsync(file, valkey8);
        Assert.Equal((1L, 1L, 0L, 1L), (lost.Restored, lost.Replayed, lost.FieldTtlsKept, lost.FieldTtlsLost));
        await using var v = await valkey8.ConnectAsync();
        Assert.Equal("f1=v1 f2=v2", await HashAsync(v, "hash2"));
    }

    [Fact]
    public async Task A_module_value_is_reported_per_key_with_the_reason_and_inspect_names_its_type()
    {
        // A RedisJSON value (type "ReJSON-RL", encoding version 3) between two strings, in a Redis 7.4 file and a 7.0 one.
        const string charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        ulong id = 0;
        foreach (var ch in "ReJSON-RL") id = (id << 6) | (uint)charset.IndexOf(ch, StringComparison.Ordinal);
        id = (id << 10) | 3;
        byte[] File(string magic) => new RdbBuilder(magic).SelectDb(0)
            .Key(0, "before").Str("1").Key(7, "doc").Len(id).ModuleData(1, "{\"a\":1}").Key(0, "after").Str("2").End();

        await using var target = await RedisServer.StartAsync();
        // RDB 12: the target cannot take the payload, and a module value has no commands.
        var newer = await RestoreAsync(File("REDIS0012"), target);
        Assert.Equal((2L, 2L, 1L), (newer.Restored, newer.Replayed, newer.Failed));
        var failure = Assert.Single(newer.Failures);
        Assert.Equal("doc", failure.Key);
        Assert.Contains("module value", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("RDB version 12", failure.Reason, StringComparison.Ordinal);
        // RDB 10: the payload goes as RESTORE, and the server without the module refuses it with its own reason.
        var same = await RdbLiveRestorer.RestoreAsync(new MemoryStream(File("REDIS0010")), target.Endpoint, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Replace }, null, CancellationToken.None);
        Assert.Equal((2L, 0L, 1L), (same.Restored, same.Replayed, same.Failed));
        Assert.Equal("doc", Assert.Single(same.Failures).Key);

        using var dir = new TempDirectory();
        var path = dir.Combine("module.rdb");
        await System.IO.File.WriteAllBytesAsync(path, File("REDIS0012"));
        var content = await InspectOperation.RunAsync(path);
        Assert.Equal(1, content.ModuleTypes["ReJSON-RL"]);
        Assert.Equal(1, content.Databases[0].Types["ReJSON-RL"]);
        var converted = await ConvertOperation.RunAsync(new ConvertRequest { Path = path, Directory = dir.Combine("catalog") });
        Assert.Equal(3, converted.KeyCount); // the module value stays a DUMP record
    }

    /// <summary>The stream <see cref="RdbBuilder.StreamValue"/> writes: entries 1000-0 (f=v1) and 1000-1 (f=v2), group "group" at 1000-1 with 2 read, "consumer" owning the first <paramref name="owned"/> pending entries.</summary>
    private static async Task AssertStreamAsync(RedisConnection c, string key, int owned)
    {
        var entries = (await c.Run("XRANGE", key, "-", "+")).AsArray();
        Assert.Equal(["1000-0 f v1", "1000-1 f v2"], entries.Select(e => e.AsArray()[0].AsString() + " " + string.Join(' ', e.AsArray()[1].AsArray().Select(f => f.AsString()))));
        var group = (await c.Run("XINFO", "GROUPS", key)).AsArray().Single().AsArray().Select(v => v.Type == RespType.Integer ? v.Integer.ToString(System.Globalization.CultureInfo.InvariantCulture) : v.AsString()).ToList();
        Assert.Equal("group", group[group.IndexOf("name") + 1]);
        Assert.Equal("1000-1", group[group.IndexOf("last-delivered-id") + 1]);
        Assert.Equal("2", group[group.IndexOf("entries-read") + 1]);
        var pending = (await c.Run("XPENDING", key, "group", "-", "+", "10")).AsArray();
        Assert.Equal(owned, pending.Length);
        Assert.Equal("1000-0 consumer 1", Describe(pending[0]));
        if (owned > 1) Assert.Equal("1000-1 consumer 3", Describe(pending[1]));
        var full = await ServerComparison.StreamStateAsync(c, Encoding.UTF8.GetBytes(key));
        Assert.Contains(Convert.ToHexString(Encoding.ASCII.GetBytes("1000-0")), full, StringComparison.Ordinal);

        static string Describe(RespValue p) => $"{p.AsArray()[0].AsString()} {p.AsArray()[1].AsString()} {p.AsArray()[3].AsInt64()}";
    }

    private static async Task<string> HashAsync(RedisConnection c, string key)
    {
        var items = (await c.Run("HGETALL", key)).AsArray();
        var pairs = new List<string>();
        for (var i = 0; i < items.Length; i += 2) pairs.Add(items[i].AsString() + "=" + items[i + 1].AsString());
        pairs.Sort(StringComparer.Ordinal);
        return string.Join(' ', pairs);
    }
}
