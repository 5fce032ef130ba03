using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Decode;

/// <summary>
/// A stream bigger than one value may be held (16 MiB) is never held whole: a live restore replays it, and convert
/// writes it as logical stream records (the file then requires "streamRecords"), which restore into any version.
/// </summary>
public class BigStreamTests
{
    [Fact]
    public async Task A_stream_over_16_MiB_is_replayed_live_and_converted_into_logical_stream_records()
    {
        await using var source = await RedisServer.StartAsync("--repl-diskless-sync-delay", "0");
        await using (var c = await source.ConnectAsync())
        {
            var rnd = new Random(11);
            for (var start = 0; start < 60_000; start += 1000)
            {
                for (var i = start; i < start + 1000; i++)
                    c.WriteCommand("XADD", "s:huge", $"{100 + i}-0", "n", i, "payload", Dataset.Bytes(rnd, 300));
                await c.FlushAsync();
                for (var i = 0; i < 1000; i++) (await c.ReadReplyAsync()).ThrowIfError();
            }
            await c.ExecuteAsync(CancellationToken.None, "XDEL", "s:huge", "150-0");
            await c.ExecuteAsync(CancellationToken.None, "XGROUP", "CREATE", "s:huge", "g", "0");
            await c.ExecuteAsync(CancellationToken.None, "XREADGROUP", "GROUP", "g", "a", "COUNT", "4500", "STREAMS", "s:huge", ">");
            await c.ExecuteAsync(CancellationToken.None, "XREADGROUP", "GROUP", "g", "b", "COUNT", "100", "STREAMS", "s:huge", ">");
            await c.ExecuteAsync(CancellationToken.None, "XADD", "s:small", "1-1", "f", "v");
            await c.ExecuteAsync(CancellationToken.None, "SET", "plain", "v");
        }
        using var dir = new TempDirectory();
        var snapshot = (await BackupOperation.RunAsync(new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = dir.Path })).Backup;

        await using (var live = await RedisServer.StartAsync())
        {
            var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = snapshot.Path, Endpoint = live.Endpoint });
            Assert.Equal((3L, 1L, 0L, 2L), (result.Restored, result.Replayed, result.Failed, result.DetailsNotKept)); // the two consumers' seen times
            await ServerComparison.AssertSameAsync(source, live, [0], sameDigests: true);
        }

        var converted = await ConvertOperation.RunAsync(new ConvertRequest { Path = snapshot.Path, Directory = dir.Path });
        await using (var file = File.OpenRead(converted.Path))
        {
            var summary = await KeyFileVerifier.VerifyAsync(file);
            Assert.Equal([KeyFileFormat.StreamRecordsRequirement], summary.Requires);
            Assert.Equal(3, summary.Keys);
            Assert.True(summary.Records > 100, $"{summary.Records} records");
        }
        var (streamRecords, dumps) = await CountRecordsAsync(converted.Path);
        Assert.True(streamRecords > 100, $"{streamRecords} stream records");
        Assert.Equal(1, dumps); // s:small stays a DUMP record

        foreach (var version in new[] { ServerVersions.Redis70, ServerVersions.Valkey80 })
        {
            await using var target = await RedisServer.StartAsync(version);
            var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = converted.Path, Endpoint = target.Endpoint });
            Assert.Equal((3L, 0L), (result.Restored, result.Failed));
            await ServerComparison.AssertSameAsync(source, target, [0], sameDigests: true);
        }
    }

    private static async Task<(int Streams, int Dumps)> CountRecordsAsync(string path)
    {
        await using var file = File.OpenRead(path);
        var reader = await KeyFileReader.OpenAsync(file, CancellationToken.None);
        await using var _ = reader;
        int streams = 0, dumps = 0;
        while (await reader.ReadNextAsync(CancellationToken.None) is { } record)
        {
            if (record.Stream is not null) streams++;
            if (record.Dump is not null) dumps++;
        }
        return (streams, dumps);
    }
}
