using System.Diagnostics;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedisBackup.Tests.KeyLevel;

public class BigHashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ATwoMillionMemberHashRoundTripsInChunks()
    {
        const int members = 2_000_000;
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync())
        {
            const int perCommand = 1000;
            for (var start = 0; start < members; start += perCommand * 100)
            {
                var sent = 0;
                for (var batch = start; batch < Math.Min(members, start + perCommand * 100); batch += perCommand)
                {
                    var args = new List<RedisArg>(2 + 2 * perCommand) { "HSET", "huge" };
                    for (var i = batch; i < batch + perCommand; i++) { args.Add("field:" + i); args.Add("v" + (i * 7919 % 100003)); }
                    c.WriteCommand([.. args]);
                    sent++;
                }
                await c.FlushAsync();
                for (var i = 0; i < sent; i++) (await c.ReadReplyAsync()).ThrowIfError();
            }
            await c.ExecuteAsync(CancellationToken.None, "PEXPIRE", "huge", "3600000");
            Assert.Equal(members, (await c.ExecuteAsync(CancellationToken.None, "HLEN", "huge")).AsInt64());
        }

        using var dir = new TempDirectory();
        var path = dir.Combine("huge.jsonl.gz");
        using var sampler = new PeakSampler();
        var sw = Stopwatch.StartNew();
        var summary = await KeyFiles.ExportAsync(source, path);
        var exportTime = sw.Elapsed;
        var exportPeak = sampler.TakePeak();
        Assert.Equal(1, summary.Keys);
        Assert.True(summary.Records >= members / KeyScanner.ChunkElements, $"{summary.Records} records");

        await using (var f = File.OpenRead(path))
            Assert.Equal(1, (await KeyFileVerifier.VerifyAsync(f)).Keys);

        sw.Restart();
        var result = await KeyFiles.RestoreAsync(path, target.Endpoint);
        var restoreTime = sw.Elapsed;
        var restorePeak = sampler.TakePeak();
        Assert.Equal(1, result.Restored);
        await Dataset.AssertSameAsync(source, target, [0]);

        output.WriteLine($"2M-member hash: file {new FileInfo(path).Length / 1048576.0:0.0} MB in {summary.Records} records; " +
                         $"export {exportTime.TotalSeconds:0.00} s, peak managed heap {exportPeak / 1048576.0:0} MB; " +
                         $"restore {restoreTime.TotalSeconds:0.00} s, peak managed heap {restorePeak / 1048576.0:0} MB; " +
                         $"process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MB");
    }

    /// <summary>Samples the managed heap size every 20 ms and remembers the highest value.</summary>
    private sealed class PeakSampler : IDisposable
    {
        private readonly Timer _timer;
        private long _peak;

        public PeakSampler() => _timer = new Timer(_ => Sample(), null, 0, 20);

        private void Sample()
        {
            var now = GC.GetTotalMemory(false);
            long seen;
            while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen) { }
        }

        public long TakePeak()
        {
            Sample();
            return Interlocked.Exchange(ref _peak, 0);
        }

        public void Dispose() => _timer.Dispose();
    }
}
