using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Restore;

public class KeyRestoreBehaviourTests
{
    private static async Task<(RedisServer Source, TempDirectory Dir, string Path)> SourceFileAsync()
    {
        var source = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(source, 0, "SET", "a", "new");
        await KeyFiles.RunAsync(source, 0, "HSET", "h", "f1", "v1", "f2", "v2");
        await KeyFiles.RunAsync(source, 0, "SET", "b", "only-in-source");
        await KeyFiles.RunAsync(source, 0, "XADD", "s", "1-1", "f", "v");
        var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);
        return (source, dir, path);
    }

    private static async Task<RedisServer> TargetWithOldDataAsync()
    {
        var target = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(target, 0, "SET", "a", "old");
        await KeyFiles.RunAsync(target, 0, "HSET", "h", "f1", "old", "f3", "old");
        await KeyFiles.RunAsync(target, 0, "XADD", "s", "5-5", "x", "y");
        await KeyFiles.RunAsync(target, 0, "SET", "other", "kept?");
        return target;
    }

    [Fact]
    public async Task Skip_leaves_existing_keys_and_counts_them()
    {
        var (source, dir, path) = await SourceFileAsync();
        await using var _ = source;
        using var __ = dir;
        await using var target = await TargetWithOldDataAsync();
        var result = await KeyFiles.RestoreAsync(path, target.Endpoint);
        Assert.Equal(4, result.Total);
        Assert.Equal(3, result.Skipped); // a, h (EXISTS check), s (RESTORE → BUSYKEY)
        Assert.Equal(1, result.Restored);
        Assert.Equal("old", await KeyFiles.GetAsync(target, 0, "a"));
        Assert.Equal("only-in-source", await KeyFiles.GetAsync(target, 0, "b"));
        Assert.Equal(2, (await KeyFiles.RunAsync(target, 0, "HLEN", "h")).AsInt64());
        Assert.Equal("old", (await KeyFiles.RunAsync(target, 0, "HGET", "h", "f3")).AsString());
    }

    [Fact]
    public async Task Replace_overwrites_without_merging_and_keeps_other_keys()
    {
        var (source, dir, path) = await SourceFileAsync();
        await using var _ = source;
        using var __ = dir;
        await using var target = await TargetWithOldDataAsync();
        var result = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Replace });
        Assert.Equal(4, result.Restored);
        Assert.Equal("new", await KeyFiles.GetAsync(target, 0, "a"));
        Assert.Null((await KeyFiles.RunAsync(target, 0, "HGET", "h", "f3")).AsString()); // old field gone, not merged
        Assert.Equal(1, (await KeyFiles.RunAsync(target, 0, "XLEN", "s")).AsInt64());
        Assert.Equal("kept?", await KeyFiles.GetAsync(target, 0, "other"));
        foreach (var key in new[] { "a", "h", "b", "s" })
            Assert.Equal((await KeyFiles.RunAsync(source, 0, "DEBUG", "DIGEST-VALUE", key)).AsArray()[0].AsString(),
                (await KeyFiles.RunAsync(target, 0, "DEBUG", "DIGEST-VALUE", key)).AsArray()[0].AsString());
    }

    [Fact]
    public async Task Flush_empties_the_target_database_first()
    {
        var (source, dir, path) = await SourceFileAsync();
        await using var _ = source;
        using var __ = dir;
        await using var target = await TargetWithOldDataAsync();
        await KeyFiles.RunAsync(target, 3, "SET", "untouched-db", "1");
        var result = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Flush });
        Assert.Equal(4, result.Restored);
        Assert.Null(await KeyFiles.GetAsync(target, 0, "other"));
        Assert.Equal("1", await KeyFiles.GetAsync(target, 3, "untouched-db")); // only databases in the backup are emptied
        Assert.Equal(await source.DigestAsync(), (await KeyFiles.RunAsync(target, 3, "DEL", "untouched-db")).AsInt64() == 1 ? await target.DigestAsync() : "");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Absolute_TTL_drops_expired_keys_relative_TTL_restores_the_remainder(bool exact)
    {
        await using var source = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(source, 0, "SET", "short", "v", "PX", "20000");
        await KeyFiles.RunAsync(source, 0, "RPUSH", "short-list", "1", "2");
        await KeyFiles.RunAsync(source, 0, "PEXPIRE", "short-list", "20000");
        await KeyFiles.RunAsync(source, 0, "SET", "long", "v", "EX", "7200");
        await KeyFiles.RunAsync(source, 0, "SET", "forever", "v");
        using var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        await KeyFiles.ExportAsync(source, path, new KeyExportOptions { Exact = exact });
        var later = new FixedClock(DateTimeOffset.UtcNow.AddMinutes(10));

        await using (var target = await RedisServer.StartAsync())
        {
            var result = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { Clock = later });
            Assert.Equal(2, result.Expired);
            Assert.Equal(2, result.Restored);
            Assert.Null(await KeyFiles.GetAsync(target, 0, "short"));
            Assert.Equal(0, (await KeyFiles.RunAsync(target, 0, "EXISTS", "short-list")).AsInt64());
            var pttl = (await KeyFiles.RunAsync(target, 0, "PTTL", "long")).AsInt64();
            Assert.InRange(pttl, 7_100_000, 7_200_000); // the original absolute expiry
            Assert.Equal(-1, (await KeyFiles.RunAsync(target, 0, "PTTL", "forever")).AsInt64());
        }

        await using (var target = await RedisServer.StartAsync())
        {
            var result = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { Clock = later, Ttl = TtlMode.Relative });
            Assert.Equal(0, result.Expired);
            Assert.Equal(4, result.Restored);
            Assert.InRange((await KeyFiles.RunAsync(target, 0, "PTTL", "short")).AsInt64(), 10_000, 20_000);
            Assert.InRange((await KeyFiles.RunAsync(target, 0, "PTTL", "short-list")).AsInt64(), 10_000, 20_000);
        }
    }

    [Fact]
    public async Task Remaps_every_key_into_the_target_database()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(source, 2, "SET", "k1", "v1");
        await KeyFiles.RunAsync(source, 2, "ZADD", "z", "0.1", "a", "-inf", "b");
        await KeyFiles.RunAsync(source, 2, "XADD", "s", "1-1", "f", "v");
        using var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);
        var result = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { TargetDatabase = 7 });
        Assert.Equal(3, result.Restored);
        Assert.Equal(0, await ServerComparison.DbSizeAsync(target, 2));
        await ServerComparison.AssertIdenticalAsync(source, target, [2], actualDb: 7);
    }

    [Fact]
    public async Task A_refused_key_is_reported_and_the_others_are_restored()
    {
        await using var source = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(source, 0, "SET", "s1", "v");
        await KeyFiles.RunAsync(source, 0, "HSET", "h1", "f", "v");
        await KeyFiles.RunAsync(source, 0, "SET", "s2", "v");
        await KeyFiles.RunAsync(source, 0, "HSET", "h2", "f", "v");
        using var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);

        // The target's user may only write keys starting with "s", so the two hashes are refused and the strings go in.
        string[] acl = ["--user", "default", "on", "nopass", "~s*", "+@all"];
        await using (var target = await RedisServer.StartAsync(acl))
        {
            var result = await KeyFiles.RestoreAsync(path, target.Endpoint);
            Assert.Equal(2, result.Restored);
            Assert.Equal(2, result.Failed);
            Assert.False(result.Success);
            Assert.Equal(["h1", "h2"], result.Failures.Select(f => f.Key).Order());
            Assert.All(result.Failures, f => Assert.Contains("NOPERM", f.Reason, StringComparison.Ordinal));
            Assert.Equal("v", await KeyFiles.GetAsync(target, 0, "s1"));
        }

        await using (var target = await RedisServer.StartAsync(acl))
        {
            var ex = await Assert.ThrowsAsync<RestoreInterruptedException>(() => KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { FailFast = true }));
            Assert.Equal("RestoreKeyFailed", ex.ErrorId);
            Assert.Contains("fail-fast", ex.Message);
            // The replies already due were read: the counts are exact, and say what the target holds.
            Assert.Equal(0, ex.Partial.Unconfirmed);
            Assert.InRange(ex.Partial.Failed, 1, 2);
            Assert.Equal(await ServerComparison.DbSizeAsync(target, 0), ex.Partial.Restored);
            Assert.Contains($"Keys written so far: {ex.Partial.Restored}", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Wrong_password_is_an_authentication_error()
    {
        await using var server = await RedisServer.StartAsync("--requirepass", "right");
        using var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        var ex = await Assert.ThrowsAnyAsync<RedisBackupException>(async () =>
        {
            await using var file = File.Create(path);
            await KeyExporter.ExportAsync(server.Endpoint with { Password = "wrong" }, new KeyExportOptions(), file, null, CancellationToken.None);
        });
        Assert.Equal(ErrorKind.AuthenticationFailed, ex.Kind);

        await using var ok = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(ok, 0, "SET", "k", "v");
        await KeyFiles.ExportAsync(ok, path);
        var ex2 = await Assert.ThrowsAnyAsync<RedisBackupException>(() => KeyFiles.RestoreAsync(path, server.Endpoint with { Password = "wrong" }));
        Assert.Equal(ErrorKind.AuthenticationFailed, ex2.Kind);
        var ex3 = await Assert.ThrowsAnyAsync<RedisBackupException>(() => KeyFiles.RestoreAsync(path, server.Endpoint));
        Assert.Equal(ErrorKind.AuthenticationFailed, ex3.Kind);
    }
}
