using System.Globalization;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Restore;

/// <summary>
/// <see cref="PayloadVersionProbe"/> against real servers: it tells a payload version a server reads from one it does
/// not by comparing two RESTOREs of an already-expired key, writes nothing, and says "unknown" when it cannot tell; the
/// live RDB restore into a target whose release is unknown refuses a file that target cannot read before sending a key.
/// </summary>
public class PayloadVersionProbeTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact(Timeout = 120_000)]
    public async Task Redis_7_0_reads_versions_up_to_10_and_refuses_11_and_12_and_nothing_is_written()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        Assert.True(await PayloadVersionProbe.AcceptsAsync(c, 9, None));
        Assert.True(await PayloadVersionProbe.AcceptsAsync(c, 10, None));
        Assert.False(await PayloadVersionProbe.AcceptsAsync(c, 11, None));
        Assert.False(await PayloadVersionProbe.AcceptsAsync(c, 12, None));
        Assert.False(await PayloadVersionProbe.AcceptsAsync(c, 80, None));
        Assert.Equal(0L, (await c.ExecuteAsync(None, "DBSIZE")).AsInt64());
    }

    [ServerFact("redis-7.4")]
    public async Task Redis_7_4_reads_version_12_and_refuses_13()
    {
        await using var server = await RedisServer.StartVersionAsync("redis-7.4");
        await using var c = await server.ConnectAsync();
        Assert.True(await PayloadVersionProbe.AcceptsAsync(c, 12, None));
        Assert.False(await PayloadVersionProbe.AcceptsAsync(c, 13, None));
        Assert.Equal(0L, (await c.ExecuteAsync(None, "DBSIZE")).AsInt64());
    }

    [Fact(Timeout = 120_000)]
    public async Task A_user_whose_key_pattern_excludes_the_probe_gets_no_answer()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var admin = await server.ConnectAsync())
            await admin.ExecuteAsync(None, "ACL", "SETUSER", "app", "reset", "on", ">pw", "~app:*", "-@all", "+restore");
        await using var c = await RedisConnection.ConnectAsync(server.Endpoint with { User = "app", Password = "pw" }, None);
        Assert.Null(await PayloadVersionProbe.AcceptsAsync(c, 12, None));
    }

    [ServerFact("redis-7.4")]
    public async Task Without_INFO_a_snapshot_the_target_cannot_read_is_refused_before_any_key_is_sent()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("redis-backup-20260101-000000.rdb");
        await using (var source = await RedisServer.StartVersionAsync("redis-7.4"))
        {
            await using var s = await source.ConnectAsync();
            await s.ExecuteAsync(None, "DEBUG", "POPULATE", "50", "k");
            await s.ExecuteAsync(None, "SAVE");
            File.Copy(Path.Combine(source.Directory, "dump.rdb"), path);
        }

        await using var target = await RedisServer.StartAsync(); // Redis 7.0 reads RDB 10, the file is RDB 12
        await using var admin = await target.ConnectAsync();
        await admin.ExecuteAsync(None, "ACL", "SETUSER", "restorer", "reset", "on", ">pw", "~*", "-@all", "+select", "+restore");
        await admin.ExecuteAsync(None, "CONFIG", "RESETSTAT");

        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => RestoreOperation.RunAsync(new RestoreRequest
        {
            Path = path,
            Endpoint = target.Endpoint with { User = "restorer", Password = "pw" },
            Options = new RestoreOptions(),
        }).WaitAsync(TimeSpan.FromMinutes(2)));

        Assert.Equal(ErrorIds.RdbVersionTooNew, ex.ErrorId);
        Assert.Contains("RDB version 12", ex.Message, StringComparison.Ordinal);
        Assert.Contains("+info", ex.Message, StringComparison.Ordinal);
        // The permission check and the probe's two RESTOREs, and not one of the 50 keys.
        Assert.Equal(3L, await CommandCallsAsync(admin, "restore"));
        Assert.Equal(0L, (await admin.ExecuteAsync(None, "DBSIZE")).AsInt64());
    }

    /// <summary>The calls of a command from INFO commandstats ("cmdstat_restore:calls=3,..."), 0 when it never ran.</summary>
    private static async Task<long> CommandCallsAsync(RedisConnection c, string command)
    {
        var info = (await c.ExecuteAsync(None, "INFO", "commandstats")).AsString() ?? "";
        var line = info.Split("\r\n").FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal));
        if (line is null) return 0;
        var calls = line.Split(':', 2)[1].Split(',').First(p => p.StartsWith("calls=", StringComparison.Ordinal));
        return long.Parse(calls["calls=".Length..], CultureInfo.InvariantCulture);
    }
}
