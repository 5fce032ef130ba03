using System.IO.Compression;
using System.Text;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Restore;

/// <summary>The live restore reads the file ahead of the writer: its failures and a cancellation must still end the restore at once.</summary>
public class RestoreReadAheadTests
{
    private const int Keys = 40_000;

    /// <summary>A gzip key-level file of <see cref="Keys"/> string keys; record <paramref name="badAt"/> (if any) has a value of the wrong shape.</summary>
    private static MemoryStream File(int? badAt)
    {
        var text = new StringBuilder();
        text.Append("{\"rec\":\"header\",\"format\":\"redisbackup-keys\",\"version\":1,\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"createdAtMs\":1704067200000,\"source\":{\"address\":\"x:1\",\"version\":null,\"role\":null},\"options\":{\"databases\":null,\"match\":null,\"types\":null,\"exact\":false}}\n");
        for (var i = 0; i < Keys; i++)
        {
            text.Append(i == badAt
                ? "{\"rec\":\"key\",\"db\":0,\"key\":\"bad\",\"type\":\"hash\",\"value\":[\"odd\"]}\n"
                : $"{{\"rec\":\"key\",\"db\":0,\"key\":\"k{i}\",\"type\":\"string\",\"value\":\"v{i}\"}}\n");
        }
        text.Append($"{{\"rec\":\"trailer\",\"keys\":{Keys},\"records\":{Keys},\"databases\":{{\"0\":{Keys}}},\"vanished\":0,\"duplicates\":0,\"completedAt\":\"2024-01-01T00:00:00.000Z\"}}\n");
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(Encoding.UTF8.GetBytes(text.ToString()));
        ms.Position = 0;
        return ms;
    }

    [Fact]
    public async Task A_damaged_record_found_ahead_of_the_writer_ends_the_restore_with_its_own_error()
    {
        await using var server = await RedisServer.StartAsync();
        using var file = File(badAt: Keys / 2);
        var ex = await Assert.ThrowsAsync<RestoreInterruptedException>(() =>
            KeyRestorer.RestoreAsync(file, server.Endpoint, new RestoreOptions(), null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("BackupCorrupt", ex.ErrorId);
        Assert.Contains("wrong shape", ex.Message, StringComparison.Ordinal);
        // Only records before the damaged one can have been written, and the result says exactly how many were.
        await using var c = await server.ConnectAsync();
        var dbsize = (await c.ExecuteAsync(CancellationToken.None, "DBSIZE")).AsInt64();
        Assert.InRange(dbsize, 0, Keys / 2);
        Assert.Equal(dbsize, ex.Partial.Restored);
        Assert.Equal(0, ex.Partial.Unconfirmed);
        Assert.Equal(0, (await c.ExecuteAsync(CancellationToken.None, "EXISTS", $"k{Keys / 2 + 1}")).AsInt64());
    }

    [Fact]
    public async Task Cancelling_a_restore_stops_both_the_reader_and_the_writer()
    {
        await using var server = await RedisServer.StartAsync();
        using var file = File(badAt: null);
        using var cts = new CancellationTokenSource();
        var progress = new CancelAfterFirstReport(cts);
        var ex = await Assert.ThrowsAsync<RestoreInterruptedException>(() =>
            KeyRestorer.RestoreAsync(file, server.Endpoint, new RestoreOptions(), progress, cts.Token).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(ex.Cancelled);
        Assert.Equal(ErrorKind.Cancelled, ex.Kind);
        Assert.True(progress.Seen);
        await using var c = await server.ConnectAsync();
        var dbsize = (await c.ExecuteAsync(CancellationToken.None, "DBSIZE")).AsInt64();
        Assert.True(dbsize < Keys);
        Assert.Equal(dbsize, ex.Partial.Restored);
    }

    [Fact]
    public async Task A_whole_file_restores_every_key()
    {
        await using var server = await RedisServer.StartAsync();
        using var file = File(badAt: null);
        var result = await KeyRestorer.RestoreAsync(file, server.Endpoint, new RestoreOptions(), null, CancellationToken.None);
        Assert.Equal((Keys, 0L, 0L), (result.Restored, result.Skipped, result.Failed));
        await using var c = await server.ConnectAsync();
        Assert.Equal("v39999", (await c.ExecuteAsync(CancellationToken.None, "GET", "k39999")).AsString());
    }

    private sealed class CancelAfterFirstReport(CancellationTokenSource cts) : IProgress<OperationProgress>
    {
        public bool Seen { get; private set; }

        public void Report(OperationProgress value)
        {
            if (value.IsStep || value.Done == 0) return;
            Seen = true;
            cts.Cancel();
        }
    }
}
