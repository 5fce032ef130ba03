using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Operations;

/// <summary>Key-level backups through the whole operation: export → verify → catalog → list → restore.</summary>
public class KeyLevelOperationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Backup_list_restore_is_identical(bool exact)
    {
        await using var source = await RedisServer.StartAsync();
        await Dataset.FillAsync(source);
        using var dir = new TempDirectory();
        var progress = new List<OperationProgress>();

        var outcome = await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path, Exact = exact }, new SyncProgress(progress));
        var backup = outcome.Backup;
        Assert.Equal((BackupKind.KeyLevel, BackupFormat.KeysJsonl, true, VerificationState.Verified), (backup.Kind, backup.Format, backup.Compressed, backup.Verification));
        var expectedKeys = await ServerComparison.DbSizeAsync(source, 0) + await ServerComparison.DbSizeAsync(source, 1) + await ServerComparison.DbSizeAsync(source, 5);
        Assert.Equal(expectedKeys, backup.KeyCount);
        Assert.Contains(progress, p => p.IsStep && p.Status.StartsWith("Step 1/2", StringComparison.Ordinal));
        Assert.Contains(progress, p => !p.IsStep && p.Total == expectedKeys);

        var latest = new BackupCatalog(dir.Path).List(latest: 1).Single();
        Assert.Equal(backup.Path, latest.Path);

        await using var target = await RedisServer.StartAsync();
        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = latest.Path, Endpoint = target.Endpoint });
        Assert.Equal((expectedKeys, 0L, 0L, 0L, expectedKeys), (result.Restored, result.Skipped, result.Expired, result.Failed, result.Total));
        await ServerComparison.AssertIdenticalAsync(source, target, [0, 1, 5]);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());

        // A second restore with the default policy skips everything and changes nothing.
        var again = await RestoreOperation.RunAsync(new RestoreRequest { Path = latest.Path, Endpoint = target.Endpoint });
        Assert.Equal((0L, expectedKeys), (again.Restored, again.Skipped));
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
    }

    [Fact]
    public async Task A_two_million_member_hash_round_trips()
    {
        await using var source = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync())
        {
            for (var batch = 0; batch < 200; batch++)
            {
                var args = new List<Engine.Redis.RedisArg>(20_002) { "HSET", "huge" };
                for (var i = batch * 10_000; i < (batch + 1) * 10_000; i++) { args.Add("f" + i); args.Add("value-" + (i * 7919 % 1_000_003)); }
                c.WriteCommand([.. args]);
            }
            c.WriteCommand("PEXPIRE", "huge", 7_200_000);
            await c.FlushAsync();
            for (var i = 0; i < 201; i++) (await c.ReadReplyAsync()).ThrowIfError();
            Assert.Equal(2_000_000, (await c.ExecuteAsync(CancellationToken.None, "HLEN", "huge")).AsInt64());
        }
        using var dir = new TempDirectory();
        var backup = (await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path })).Backup;
        Assert.Equal(1, backup.KeyCount);

        await using var target = await RedisServer.StartAsync();
        var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = backup.Path, Endpoint = target.Endpoint });
        Assert.Equal(1, result.Restored);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
        await using var t = await target.ConnectAsync();
        Assert.InRange((await t.ExecuteAsync(CancellationToken.None, "PTTL", "huge")).AsInt64(), 7_000_000, 7_200_000);
    }

    [Fact]
    public async Task Cancelled_export_leaves_no_backup_file()
    {
        await using var source = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", 300_000, "k", 200);
        using var dir = new TempDirectory();
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress([], p => { if (p.Done > 1000) cts.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path }, progress, cts.Token));
        Assert.Empty(new BackupCatalog(dir.Path).List());
        Assert.DoesNotContain(Directory.EnumerateFiles(dir.Path), f => f.EndsWith(".gz", StringComparison.Ordinal) || f.Contains(".partial", StringComparison.Ordinal));
    }

    /// <summary>An IProgress that runs synchronously on the reporting thread (Progress&lt;T&gt; posts asynchronously).</summary>
    private sealed class SyncProgress(List<OperationProgress> sink, Action<OperationProgress>? onReport = null) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value)
        {
            lock (sink) sink.Add(value);
            onReport?.Invoke(value);
        }
    }
}
