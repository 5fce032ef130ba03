using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

public class KeyRoundTripTests
{
    private static readonly int[] Dbs = [0, 1, 5];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_type_round_trips_into_a_fresh_server(bool exact)
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await Dataset.FillAsync(source);
        using var dir = new TempDirectory();
        var path = dir.Combine("keys.jsonl.gz");

        KeyExportSummary summary;
        await using (var file = File.Create(path))
            summary = await KeyExporter.ExportAsync(source.Endpoint, new KeyExportOptions { Exact = exact }, file, null, CancellationToken.None);
        long expectedKeys = 0;
        foreach (var db in Dbs) expectedKeys += await ServerComparison.DbSizeAsync(source, db);
        Assert.Equal(expectedKeys, summary.Keys);
        Assert.Equal(3, summary.KeysPerDatabase.Count);
        Assert.Equal("7.0.15", summary.ServerVersion?[..6] == "7.0.15" ? "7.0.15" : summary.ServerVersion);

        await using (var file = File.OpenRead(path))
        {
            var check = await KeyFileVerifier.VerifyAsync(file);
            Assert.Equal(summary.Keys, check.Keys);
            Assert.False(check.IsSeedFormat);
            Assert.Equal(exact, check.Exact);
            if (!exact) Assert.True(check.Records > check.Keys, "big keys are written as several chunk records");
        }

        RestoreResult result;
        await using (var file = File.OpenRead(path))
            result = await KeyRestorer.RestoreAsync(file, target.Endpoint, new RestoreOptions(), null, CancellationToken.None);
        Assert.Equal(summary.Keys, result.Restored);
        Assert.Equal(summary.Keys, result.Total);
        Assert.Equal(0, result.Failed + result.Skipped + result.Expired);

        await ServerComparison.AssertIdenticalAsync(source, target, Dbs);
        Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_database_of_many_SCAN_batches_round_trips(bool exact)
    {
        // More keys than several SCAN batches hold, so the exporter's batch pipelining is exercised end to end.
        await using var source = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(source, 0, "DEBUG", "POPULATE", 3500, "k", 20);
        for (var i = 0; i < 3500; i += 7) await KeyFiles.RunAsync(source, 0, "PEXPIRE", "k:" + i, 86_400_000 + i);
        using var dir = new TempDirectory();
        var path = dir.Combine("many.jsonl.gz");
        var summary = await KeyFiles.ExportAsync(source, path, new KeyExportOptions { Exact = exact });
        Assert.Equal(3500, summary.Keys);
        Assert.Equal(0, summary.Duplicates + summary.Vanished);
        await using var target = await RedisServer.StartAsync();
        var result = await KeyFiles.RestoreAsync(path, target.Endpoint);
        Assert.Equal(3500, result.Restored);
        await ServerComparison.AssertIdenticalAsync(source, target, [0]);
    }
}
