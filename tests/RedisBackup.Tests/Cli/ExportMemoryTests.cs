using System.Globalization;
using RedisBackup.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedisBackup.Tests.Cli;

/// <summary>
/// A key-level backup's memory does not grow with the number of keys: the CLI as a child process, its peak RSS at
/// 200,000 and at 2,000,000 small keys, logical and exact. The de-duplication set this replaced cost about 77 bytes a
/// key (about 140 MB more at 2M keys); the margin allowed is a fraction of that.
/// </summary>
public class ExportMemoryTests(ITestOutputHelper output)
{
    private const double MarginMb = 30;
    private const double LimitMb = 200;

    [Fact]
    public async Task Peak_RSS_of_a_key_level_backup_stays_flat_from_200k_to_2M_keys()
    {
        await using var server = await RedisServer.StartAsync();
        using var dir = new TempDirectory();
        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        var peaks = new Dictionary<(int, bool), double>();
        foreach (var keys in new[] { 200_000, 2_000_000 })
        {
            await using (var c = await server.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", keys, "key", 20);
            foreach (var exact in new[] { false, true })
            {
                string[] args = exact ? ["backup", "--port", port, "--dir", dir.Path, "--json", "--exact"] : ["backup", "--port", port, "--dir", dir.Path, "--json"];
                var run = await PeakRss.RunCliAsync(TimeSpan.FromMinutes(10), args);
                Assert.True(run.ExitCode == 0, run.ToString());
                using var doc = System.Text.Json.JsonDocument.Parse(run.Stdout);
                Assert.Equal(keys, doc.RootElement.GetProperty("keyCount").GetInt64());
                peaks[(keys, exact)] = run.PeakRssMb;
                output.WriteLine($"{keys:N0} keys, {(exact ? "exact" : "logical")}: peak RSS {run.PeakRssMb:0.0} MB (load average {File.ReadAllText("/proc/loadavg").Trim()})");
            }
        }
        foreach (var exact in new[] { false, true })
        {
            var small = peaks[(200_000, exact)];
            var large = peaks[(2_000_000, exact)];
            Assert.True(large - small < MarginMb, $"{(exact ? "exact" : "logical")}: peak RSS grew from {small:0.0} MB at 200k keys to {large:0.0} MB at 2M keys");
            Assert.True(large < LimitMb, $"{(exact ? "exact" : "logical")}: peak RSS {large:0.0} MB at 2M keys");
        }
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.EndsWith(".partial", StringComparison.Ordinal));
    }
}
