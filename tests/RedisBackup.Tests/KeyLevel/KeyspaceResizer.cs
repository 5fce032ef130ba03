using System.Globalization;
using System.Text.RegularExpressions;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>
/// Makes a real server's keyspace grow and shrink between the SCAN batches of an export, which is what makes SCAN return
/// keys twice. Used as the export's clock: the scanner reads its clock once per SCAN batch, on its own thread, so every
/// read is a point between two SCAN calls. At odd batches it adds <c>temporary</c> keys (the main hash table grows
/// to more than 8 times the <c>baseKeys</c>), at even ones it deletes them again and waits until the table has shrunk, so the next SCAN
/// carries a cursor of the big table into the small one: the keys of the small bucket it lands in that were already
/// returned from the big table come again (Redis's SCAN guarantee allows exactly that).
/// Before each step it waits until the server has run the SCAN the exporter already sent, so that SCAN sees the table
/// as it was and the alternation is exact.
/// </summary>
internal sealed partial class KeyspaceResizer(RedisServer server, int baseKeys, int temporary, bool exact, int cycles) : TimeProvider
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private int _calls;
    private bool _scanEnded;

    /// <summary>Shrinks done between SCAN calls of the export.</summary>
    public int Shrinks { get; private set; }

    /// <summary>Called at each SCAN batch (1 = the first) before the resizing; e.g. to look at the exporter's process.</summary>
    public Action<int>? AtBatch { get; init; }

    public override DateTimeOffset GetUtcNow()
    {
        // The first read is the header's, before any SCAN.
        var batch = Interlocked.Increment(ref _calls) - 1;
        if (batch >= 1)
        {
            AtBatch?.Invoke(batch);
            if (Shrinks < cycles) StepAsync(batch).GetAwaiter().GetResult();
        }
        return DateTimeOffset.UtcNow;
    }

    private async Task StepAsync(int batch)
    {
        await using var c = await server.ConnectAsync();
        // Logical mode sends the next SCAN with the batch's reads before reading the clock; exact mode after it.
        await WaitForScansAsync(c, exact ? batch : batch + 1);
        if (batch % 2 == 1)
        {
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", temporary, "temp", 10);
        }
        else
        {
            for (var start = 0; start < temporary; start += 1000)
            {
                var args = new List<RedisArg> { "UNLINK" };
                for (var i = start; i < Math.Min(temporary, start + 1000); i++) args.Add("temp:" + i.ToString(CultureInfo.InvariantCulture));
                c.WriteCommand([.. args]);
            }
            await c.FlushAsync(CancellationToken.None);
            for (var start = 0; start < temporary; start += 1000) (await c.ReadReplyAsync(CancellationToken.None)).ThrowIfError("UNLINK");
            // Redis 7.0 shrinks in its cron (hz), 7.4 and Valkey 8 on delete; either way wait until the table is small again.
            await WaitAsync(c, sizes => sizes.Count == 1 && sizes[0] <= 4L * baseKeys, "the keyspace to shrink");
            Shrinks++;
        }
    }

    private async Task WaitForScansAsync(RedisConnection c, int expected)
    {
        if (_scanEnded) return;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (await ScanCallsAsync(c) < expected)
        {
            // The last batch sends no SCAN: after a wait, go on (and do not wait again).
            if (DateTime.UtcNow > until) { _scanEnded = true; return; }
            await Task.Delay(5);
        }
    }

    private static async Task<long> ScanCallsAsync(RedisConnection c)
    {
        var info = (await c.ExecuteAsync(CancellationToken.None, "INFO", "commandstats")).AsString() ?? "";
        var m = ScanStat().Match(info);
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    private static async Task WaitAsync(RedisConnection c, Func<IReadOnlyList<long>, bool> done, string what)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            var stats = (await c.ExecuteAsync(CancellationToken.None, "DEBUG", "HTSTATS", "0")).AsString() ?? "";
            var main = stats.Split("[Expires HT]")[0];
            var sizes = TableSize().Matches(main).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
            if (done(sizes)) return;
            if (DateTime.UtcNow > until) throw new TimeoutException($"Waited {Deadline.TotalSeconds} s for {what}; DEBUG HTSTATS 0 says: {main}");
            await Task.Delay(10);
        }
    }

    [GeneratedRegex(@"cmdstat_scan:calls=(\d+)")]
    private static partial Regex ScanStat();

    [GeneratedRegex(@"table size: (\d+)")]
    private static partial Regex TableSize();
}
