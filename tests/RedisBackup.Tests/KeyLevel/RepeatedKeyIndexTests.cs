using System.Text;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.IO;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>
/// The export's key index on a real file system: the external sort behind it (runs spilled to a file, merged in
/// bounded fan-in, intermediate passes), its repeat finding, and its spill file that is never visible in the directory.
/// </summary>
public class RepeatedKeyIndexTests
{
    [Fact]
    public void The_sorter_returns_every_pair_in_key_order_through_spilled_runs_and_intermediate_merges()
    {
        using var dir = new TempDirectory();
        using var spill = new LazySpillFile(dir.Combine(".sort.partial"));
        // 100 pairs a run and 3 runs a merge: 10,000 pairs make 100 runs, merged in several passes.
        var sorter = new SpillSorter(spill, runCapacity: 100, maxFanIn: 3);
        var random = new Random(7);
        var expected = new List<(UInt128, long)>();
        for (var i = 0; i < 10_000; i++)
        {
            var key = new UInt128((ulong)random.NextInt64(), (ulong)random.Next(0, 50)); // many equal low halves, few equal keys
            sorter.Add(key, i);
            expected.Add((key, i));
        }
        Assert.True(sorter.Runs >= 99, $"{sorter.Runs} runs");
        Assert.True(spill.Created);
        Assert.Empty(Directory.GetFiles(dir.Path)); // the spill file has no name in the directory

        var sorted = sorter.Sorted(CancellationToken.None).ToList();
        Assert.Equal(expected.Count, sorted.Count);
        for (var i = 1; i < sorted.Count; i++) Assert.True(sorted[i - 1].Key <= sorted[i].Key, $"out of order at {i}");
        Assert.Equal(expected.OrderBy(p => p.Item1).ThenBy(p => p.Item2), sorted.OrderBy(p => p.Key).ThenBy(p => p.Value));
        Assert.Throws<InvalidOperationException>(() => sorter.Add(1, 1));
    }

    [Fact]
    public void A_small_index_never_creates_a_spill_file()
    {
        using var dir = new TempDirectory();
        using var index = new RepeatedKeyDetector(dir.Combine(".index.partial"));
        for (var i = 0; i < 50_000; i++) index.Add(0, Encoding.UTF8.GetBytes("key:" + i));
        index.Add(0, "key:17"u8);
        var repeats = index.Find(CancellationToken.None);
        Assert.False(index.Spilled);
        Assert.Equal([(50_000L, (ulong)KeyHash.Of(0, "key:17"u8))], repeats.InFileOrder(CancellationToken.None).ToList());
    }

    [Theory]
    [InlineData(1_000_000)] // everything in memory
    [InlineData(997)] // spilled runs, one merge pass
    [InlineData(64)] // many runs
    public void The_index_finds_exactly_the_later_occurrences_in_file_order(int runCapacity)
    {
        using var dir = new TempDirectory();
        using var index = new RepeatedKeyDetector(dir.Combine(".index.partial"), runCapacity);
        var random = new Random(11);
        var written = new List<(int Db, byte[] Key)>();
        var expected = new List<long>();
        var seen = new HashSet<(int, string)>();
        for (var i = 0; i < 20_000; i++)
        {
            (int Db, byte[] Key) next;
            if (written.Count > 0 && random.Next(50) == 0)
            {
                next = written[random.Next(written.Count)]; // a key SCAN returns again, sometimes a third time
            }
            else
            {
                var name = new byte[random.Next(0, 12)];
                random.NextBytes(name);
                next = (random.Next(3), name);
            }
            if (!seen.Add((next.Db, Convert.ToBase64String(next.Key)))) expected.Add(i);
            written.Add(next);
            index.Add(next.Db, next.Key);
        }
        // The same name in another database is another key.
        index.Add(0, "same"u8);
        index.Add(1, "same"u8);
        if (!seen.Add((0, Convert.ToBase64String("same"u8.ToArray())))) expected.Add(20_000);
        if (!seen.Add((1, Convert.ToBase64String("same"u8.ToArray())))) expected.Add(20_001);

        var repeats = index.Find(CancellationToken.None);
        var found = repeats.InFileOrder(CancellationToken.None).ToList();
        Assert.Equal(expected, found.Select(r => r.Ordinal));
        Assert.Equal(expected.Count, repeats.Count);
        Assert.All(found, r => Assert.Equal((ulong)KeyHash.Of(written[(int)r.Ordinal].Db, written[(int)r.Ordinal].Key), r.Check));
        Assert.Equal(runCapacity < 20_000, index.Spilled);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
