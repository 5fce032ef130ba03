using System.Buffers.Binary;

namespace RedisBackup.Engine.IO;

/// <summary>
/// Sorts pairs of a 128-bit key and a 64-bit value by key in bounded memory (an external merge sort). Pairs collect in
/// memory up to a run's capacity; a full buffer is sorted and appended to a <see cref="SpillFile"/> as a run of
/// 24-byte entries. <see cref="Sorted"/> merges the runs, at most a fan-in's worth at a time (one small read buffer
/// each; more runs are first merged into longer ones), together with the pairs still in memory.
/// Memory is the run capacity × 24 bytes plus the fan-in × 32 KiB, whatever the number of pairs; nothing touches the
/// disk until a run is full. Pairs with equal keys come out next to each other, in no particular order.
/// </summary>
internal sealed class SpillSorter
{
    /// <summary>Bytes per pair in a run: the key (16, little-endian) and the value (8).</summary>
    public const int EntrySize = 24;

    /// <summary>Pairs held in memory before a run is written: 262,144 pairs, 6 MiB.</summary>
    public const int DefaultRunCapacity = 1 << 18;

    /// <summary>Runs merged at once: with the default capacity, 33 million pairs merge in one pass.</summary>
    public const int DefaultMaxFanIn = 128;

    private const int ReadEntries = 1365; // 32,760 bytes a run reader
    private const int WriteEntries = 2730; // 65,520 bytes a run writer

    private readonly LazySpillFile _spill;
    private readonly int _runCapacity;
    private readonly int _maxFanIn;
    private readonly List<(long Offset, long Count)> _runs = [];
    private UInt128[] _keys = [];
    private long[] _values = [];
    private int _count;
    private bool _consumed;

    public SpillSorter(LazySpillFile spill, int runCapacity = DefaultRunCapacity, int maxFanIn = DefaultMaxFanIn)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFanIn, 2);
        _spill = spill;
        _runCapacity = runCapacity;
        _maxFanIn = maxFanIn;
    }

    /// <summary>Pairs added.</summary>
    public long Count { get; private set; }

    /// <summary>Runs written to the spill file so far.</summary>
    public int Runs => _runs.Count;

    public void Add(UInt128 key, long value)
    {
        if (_consumed) throw new InvalidOperationException("The sorter's pairs were already read.");
        if (_count == _keys.Length)
        {
            if (_count >= _runCapacity) WriteRun();
            else Grow();
        }
        _keys[_count] = key;
        _values[_count] = value;
        _count++;
        Count++;
    }

    /// <summary>Every pair, ordered by key. Reads the sorter once; the memory it held is released at the end.</summary>
    public IEnumerable<(UInt128 Key, long Value)> Sorted(CancellationToken ct)
    {
        if (_consumed) throw new InvalidOperationException("The sorter's pairs were already read.");
        _consumed = true;
        Array.Sort(_keys, _values, 0, _count);
        return _runs.Count == 0 ? FromMemory() : FromRuns(ct);
    }

    private IEnumerable<(UInt128 Key, long Value)> FromMemory()
    {
        for (var i = 0; i < _count; i++) yield return (_keys[i], _values[i]);
        Release();
    }

    private IEnumerable<(UInt128 Key, long Value)> FromRuns(CancellationToken ct)
    {
        var inMemory = _count > 0 ? 1 : 0;
        while (_runs.Count + inMemory > _maxFanIn)
        {
            // Too many runs for one pass: merge the oldest ones into a longer run first.
            var take = Math.Min(_maxFanIn, _runs.Count);
            var merged = _runs.GetRange(0, take);
            _runs.RemoveRange(0, take);
            _runs.Add(WriteRun(Merge(merged.Select(r => (ISource)new RunReader(_spill.File, r.Offset, r.Count)).ToList(), ct)));
        }
        var sources = _runs.Select(r => (ISource)new RunReader(_spill.File, r.Offset, r.Count)).ToList();
        if (_count > 0) sources.Add(new MemorySource(_keys, _values, _count));
        foreach (var pair in Merge(sources, ct)) yield return pair;
        Release();
    }

    private void Grow()
    {
        var size = (int)Math.Min(_runCapacity, Math.Max(1024L, _keys.Length * 2L));
        Array.Resize(ref _keys, size);
        Array.Resize(ref _values, size);
    }

    private void WriteRun()
    {
        Array.Sort(_keys, _values, 0, _count);
        _runs.Add(WriteRun(new MemorySource(_keys, _values, _count).All()));
        _count = 0;
    }

    /// <summary>Appends pairs (already in key order) to the spill file as one run.</summary>
    private (long Offset, long Count) WriteRun(IEnumerable<(UInt128 Key, long Value)> pairs)
    {
        var file = _spill.File;
        var buffer = new byte[WriteEntries * EntrySize];
        var start = file.Length;
        long count = 0;
        var used = 0;
        foreach (var (key, value) in pairs)
        {
            BinaryPrimitives.WriteUInt128LittleEndian(buffer.AsSpan(used), key);
            BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(used + 16), value);
            used += EntrySize;
            count++;
            if (used == buffer.Length)
            {
                file.Append(buffer);
                used = 0;
            }
        }
        if (used > 0) file.Append(buffer.AsSpan(0, used));
        return (start, count);
    }

    private void Release()
    {
        _keys = [];
        _values = [];
        _count = 0;
    }

    private static IEnumerable<(UInt128 Key, long Value)> Merge(List<ISource> sources, CancellationToken ct)
    {
        var queue = new PriorityQueue<ISource, UInt128>(sources.Count);
        foreach (var s in sources)
            if (s.MoveNext()) queue.Enqueue(s, s.Key);
        var n = 0;
        while (queue.TryPeek(out var s, out _))
        {
            if ((++n & 0xFFFF) == 0) ct.ThrowIfCancellationRequested();
            yield return (s.Key, s.Value);
            if (s.MoveNext()) queue.DequeueEnqueue(s, s.Key);
            else queue.Dequeue();
        }
    }

    private interface ISource
    {
        UInt128 Key { get; }
        long Value { get; }
        bool MoveNext();
    }

    private sealed class MemorySource(UInt128[] keys, long[] values, int count) : ISource
    {
        private int _next;

        public UInt128 Key { get; private set; }
        public long Value { get; private set; }

        public bool MoveNext()
        {
            if (_next == count) return false;
            Key = keys[_next];
            Value = values[_next];
            _next++;
            return true;
        }

        public IEnumerable<(UInt128 Key, long Value)> All()
        {
            for (var i = 0; i < count; i++) yield return (keys[i], values[i]);
        }
    }

    private sealed class RunReader(SpillFile file, long offset, long count) : ISource
    {
        private readonly byte[] _buffer = new byte[(int)Math.Min(count, ReadEntries) * EntrySize];
        private long _nextOffset = offset;
        private long _left = count;
        private int _position;
        private int _end;

        public UInt128 Key { get; private set; }
        public long Value { get; private set; }

        public bool MoveNext()
        {
            if (_position == _end)
            {
                if (_left == 0) return false;
                var bytes = (int)Math.Min(_left, ReadEntries) * EntrySize;
                if (file.Read(_buffer.AsSpan(0, bytes), _nextOffset) != bytes)
                    throw new IOException($"The spill file {file.Path} is shorter than what was written to it.");
                _nextOffset += bytes;
                _left -= bytes / EntrySize;
                _position = 0;
                _end = bytes;
            }
            Key = BinaryPrimitives.ReadUInt128LittleEndian(_buffer.AsSpan(_position));
            Value = BinaryPrimitives.ReadInt64LittleEndian(_buffer.AsSpan(_position + 16));
            _position += EntrySize;
            return true;
        }
    }
}
