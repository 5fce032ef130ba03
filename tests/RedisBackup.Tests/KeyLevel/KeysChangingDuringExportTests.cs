using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>
/// Fault-matrix case 33 of issue 9: keys that change type, expire or are deleted while a key-level export runs. Each
/// key in the backup is whole, in the form it had when it was read (the old string or the new list, never a mix), the
/// backup verifies, and it restores without a failed key; keys left alone come back exactly.
/// </summary>
public class KeysChangingDuringExportTests(ITestOutputHelper output)
{
    private const int Keys = 30_000;

    /// <summary>A clock that runs an action at its n-th reading (the key-level scanner reads it once a SCAN batch).</summary>
    private sealed class AtReading(int reading, Action action) : TimeProvider
    {
        private int _calls;

        public override DateTimeOffset GetUtcNow()
        {
            if (Interlocked.Increment(ref _calls) - 1 == reading) action();
            return DateTimeOffset.UtcNow;
        }
    }

    /// <summary>Every third key becomes a list, the next expires in 1 ms, the next is deleted; all in one pipeline.</summary>
    private static async Task ChangeKeysAsync(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        var sent = 0;
        for (var i = 0; i < Keys; i++)
        {
            var key = "k:" + i;
            switch (i % 4)
            {
                case 0:
                    c.WriteCommand("DEL", key);
                    c.WriteCommand("RPUSH", key, "now a list", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    sent += 2;
                    break;
                case 1:
                    c.WriteCommand("PEXPIRE", key, 1);
                    sent++;
                    break;
                case 2:
                    c.WriteCommand("UNLINK", key);
                    sent++;
                    break;
            }
        }
        await c.FlushAsync();
        for (var i = 0; i < sent; i++) (await c.ReadReplyAsync()).ThrowIfError();
    }

    [Theory(Timeout = 600_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Keys_that_change_type_expire_or_vanish_mid_export_are_each_kept_whole_or_left_out(bool exact)
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", Keys, "k", 20);
        using var dir = new TempDirectory();
        var changed = false;
        var request = new BackupRequest
        {
            Endpoint = source.Endpoint, Directory = dir.Path, Exact = exact,
            Clock = new AtReading(3, () => { ChangeKeysAsync(source).GetAwaiter().GetResult(); changed = true; }),
        };

        var outcome = await BackupOperation.RunAsync(request).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(changed, "the keys were never changed: the export ended before its 3rd SCAN batch");
        var verify = await VerifyOperation.RunAsync(outcome.Backup.Path);
        Assert.True(verify.IsValid, string.Join("; ", verify.Problems));

        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Path = outcome.Backup.Path, Endpoint = target.Endpoint })
            .WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(restored.Success, string.Join("; ", restored.Failures));
        Assert.Equal(outcome.Backup.KeyCount, restored.Restored + restored.Expired + restored.Skipped);

        int asList = 0, asOldString = 0, expiredOut = 0, deletedOut = 0;
        await using var t = await target.ConnectAsync();
        for (var i = 0; i < Keys; i++)
        {
            var key = "k:" + i;
            var type = (await t.ExecuteAsync(CancellationToken.None, "TYPE", key)).AsString();
            var old = ("value:" + i).PadRight(20, '\0'); // DEBUG POPULATE pads its values with zero bytes
            switch (i % 4)
            {
                case 0 when type == "list":
                    var items = (await t.ExecuteAsync(CancellationToken.None, "LRANGE", key, 0, -1)).AsArray();
                    Assert.Equal(["now a list", i.ToString(System.Globalization.CultureInfo.InvariantCulture)], items.Select(v => v.AsString()));
                    asList++;
                    break;
                case 0:
                    Assert.Equal("string", type);
                    Assert.Equal(old, (await t.ExecuteAsync(CancellationToken.None, "GET", key)).AsString());
                    asOldString++;
                    break;
                case 1 or 2 when type == "none":
                    if (i % 4 == 1) expiredOut++; else deletedOut++;
                    break;
                default:
                    // Read before it changed (or never changed): the value it had, whole.
                    Assert.Equal("string", type);
                    Assert.Equal(old, (await t.ExecuteAsync(CancellationToken.None, "GET", key)).AsString());
                    break;
            }
        }
        output.WriteLine($"{outcome.Backup.KeyCount} keys in the backup; restored {restored.Restored}, expired {restored.Expired}; " +
                         $"type changed: {asList} as the new list, {asOldString} as the old string; left out: {expiredOut} expired, {deletedOut} deleted");
        Assert.True(asList > 0 && expiredOut > 0 && deletedOut > 0, "the changes happened after the export had read every key");
    }
}
