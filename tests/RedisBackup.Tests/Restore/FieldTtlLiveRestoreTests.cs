using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Restore;

/// <summary>
/// Hash field TTLs (issue 11) meet the live-restore guarantees of issue 9: a restore that stops part-way counts the
/// field TTLs of the keys it wrote in its partial result, and a user who may not run RESTORE gets them through typed
/// writes (HPEXPIREAT) as docs/reliability.md lists, or, when the target's support cannot be asked, counted as lost.
/// </summary>
public class FieldTtlLiveRestoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Fills db 0 with <paramref name="count"/> hashes "a:i" of two fields, "f" with a TTL an hour ahead.</summary>
    private static async Task FillAsync(RedisServer server, int count)
    {
        await using var c = await server.ConnectAsync();
        await c.ExecuteAsync(None, "EVAL",
            "for i = 0, tonumber(ARGV[1]) - 1 do redis.call('HSET', 'a:' .. i, 'f', 'v', 'g', 'w'); redis.call('HPEXPIRE', 'a:' .. i, 3600000, 'FIELDS', 1, 'f') end",
            0, count);
    }

    private static async Task<long> FieldExpireTimeAsync(RedisServer server, string key)
    {
        await using var c = await server.ConnectAsync();
        return (await c.ExecuteAsync(None, "HPEXPIRETIME", key, "FIELDS", 1, "f")).Items![0].Integer;
    }

    [ServerFact("redis-7.4")]
    public async Task A_restore_stopped_part_way_counts_the_field_TTLs_of_the_keys_it_wrote()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        await FillAsync(source, 2000);
        await KeyFiles.RunAsync(source, 1, "SET", "zz", "refused"); // db 1 comes after every hash of db 0
        using var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);

        // The target's user may write only keys starting with "a": "zz" fails, and fail-fast stops there.
        await using var target = await RedisServer.StartVersionAsync("redis-7.4", "--user", "default", "on", "nopass", "~a*", "+@all");
        var ex = await Assert.ThrowsAsync<RestoreInterruptedException>(() => KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { FailFast = true }));
        Assert.Equal("RestoreKeyFailed", ex.ErrorId);
        var partial = ex.Partial;
        Assert.False(partial.Complete);
        Assert.Equal((2000L, 1L, 0L), (partial.Restored, partial.Failed, partial.Unconfirmed));
        Assert.Equal(await ServerComparison.DbSizeAsync(target, 0), partial.Restored);
        Assert.Equal(2000, partial.FieldTtlsKept);
        Assert.Equal((0L, 0L, 0L), (partial.FieldTtlsLost, partial.FieldsExpired, partial.KeysWithWarnings));
        Assert.Equal(await FieldExpireTimeAsync(source, "a:1234"), await FieldExpireTimeAsync(target, "a:1234"));
    }

    [ServerFact("redis-7.4")]
    public async Task A_user_without_RESTORE_keeps_field_TTLs_through_typed_writes_or_has_them_counted_as_lost()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        await FillAsync(source, 50);
        using var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);

        // The documented logical set plus +hpexpireat, and +info so the target's hash field expiration is known.
        await using (var target = await RedisServer.StartVersionAsync("redis-7.4"))
        {
            var user = await UserAsync(target, [.. RestoreAclTests.Logical, "+hpexpireat", "+info"]);
            var result = await KeyFiles.RestoreAsync(path, user);
            Assert.True(result.Success, string.Join("; ", result.Failures.Select(f => $"{f.Key}: {f.Reason}")));
            Assert.Equal((50L, 50L, 0L), (result.Restored, result.FieldTtlsKept, result.FieldTtlsLost));
            Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
            Assert.Equal(await FieldExpireTimeAsync(source, "a:7"), await FieldExpireTimeAsync(target, "a:7"));
        }

        // Neither INFO nor COMMAND: the target's support cannot be known, so the fields go without TTLs, counted and named.
        await using (var target = await RedisServer.StartVersionAsync("redis-7.4"))
        {
            var user = await UserAsync(target, [.. RestoreAclTests.Logical, "+hpexpireat"]);
            var result = await KeyFiles.RestoreAsync(path, user);
            Assert.True(result.Success, string.Join("; ", result.Failures.Select(f => $"{f.Key}: {f.Reason}")));
            Assert.Equal((50L, 0L, 50L, 50L), (result.Restored, result.FieldTtlsKept, result.FieldTtlsLost, result.KeysWithWarnings));
            Assert.Equal(-1, await FieldExpireTimeAsync(target, "a:7"));
        }
    }

    private static async Task<RedisEndpoint> UserAsync(RedisServer server, string[] rights)
    {
        await using var c = await server.ConnectAsync();
        var args = new List<RedisArg> { "ACL", "SETUSER", "restorer", "reset", "on", ">pw", "~*", "-@all" };
        args.AddRange(rights.Select(r => (RedisArg)r));
        await c.ExecuteAsync(None, [.. args]);
        return server.Endpoint with { User = "restorer", Password = "pw" };
    }
}
