using RedisBackup.Engine.Formats;
using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Export;

/// <summary>
/// Finds the keys an export wrote more than once (SCAN returns a key twice when the keyspace shrinks while it runs) in
/// memory that does not grow with the number of keys. Every key the export writes is noted, in file order, as a
/// 128-bit hash of its database and name with its ordinal (the how-many-th key of the file it is); the notes are sorted
/// in bounded memory (<see cref="SpillSorter"/>: runs of 262,144 keys in memory, then an owner-only spill file beside
/// the backup), and <see cref="Find"/> merges them: equal hashes are the same key, and every occurrence after the first
/// is a repeat. An export under a run's size never touches the disk.
/// </summary>
internal sealed class RepeatedKeyDetector : IDisposable
{
    private readonly LazySpillFile _spill;
    private readonly SpillSorter _written;
    private readonly int _runCapacity;

    /// <param name="spillPath">Where the spill file is created if the keys outgrow memory (it is removed at once; see <see cref="SpillFile"/>).</param>
    public RepeatedKeyDetector(string spillPath, int runCapacity = SpillSorter.DefaultRunCapacity)
    {
        _spill = new LazySpillFile(spillPath);
        _runCapacity = runCapacity;
        _written = new SpillSorter(_spill, runCapacity);
    }

    /// <summary>Keys noted so far: the ordinal the next key gets.</summary>
    public long Keys { get; private set; }

    /// <summary>True once the notes outgrew memory and went to the spill file.</summary>
    public bool Spilled => _spill.Created;

    /// <summary>Notes the next key written to the file.</summary>
    public void Add(int database, ReadOnlySpan<byte> key) => _written.Add(KeyHash.Of(database, key), Keys++);

    /// <summary>Merges the notes; the repeats come back in file order. Call once, after the last key.</summary>
    public RepeatedKeys Find(CancellationToken ct)
    {
        var repeats = new SpillSorter(_spill, _runCapacity);
        var inGroup = false;
        UInt128 group = default;
        long first = 0;
        foreach (var (hash, ordinal) in _written.Sorted(ct))
        {
            if (inGroup && hash == group)
            {
                // Occurrences of one key come out in any order: the earliest stays, every later one is a repeat.
                repeats.Add((UInt128)(ulong)Math.Max(first, ordinal), (long)(ulong)hash);
                first = Math.Min(first, ordinal);
                continue;
            }
            inGroup = true;
            group = hash;
            first = ordinal;
        }
        return new RepeatedKeys(repeats);
    }

    /// <summary>The spill file the index (and its repeat list) use, created on first need.</summary>
    public LazySpillFile Spill => _spill;

    /// <summary>Closes (and so deletes) the spill file.</summary>
    public void Dispose() => _spill.Dispose();
}

/// <summary>The later occurrences of keys an export wrote more than once, by ordinal in the file.</summary>
internal sealed class RepeatedKeys(SpillSorter sorted)
{
    public long Count => sorted.Count;

    /// <summary>
    /// Each repeat's ordinal (the how-many-th key of the file, from 0) and the low 64 bits of its key's hash, which the
    /// rewrite checks against the record it drops. In file order; can be read once.
    /// </summary>
    public IEnumerable<(long Ordinal, ulong Check)> InFileOrder(CancellationToken ct)
    {
        foreach (var (ordinal, check) in sorted.Sorted(ct)) yield return ((long)ordinal, (ulong)check);
    }
}
