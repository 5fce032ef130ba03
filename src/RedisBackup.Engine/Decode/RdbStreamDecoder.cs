using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Decode;

/// <summary>
/// Decodes a stream value (RDB types 15, 19, 21, 26, 27: stream versions 1 to 5) into the parts a logical restore writes
/// in order: windows of entries (every listpack node's entries that are not marked deleted, with their full IDs), the
/// stream's state (length, last ID, and from version 2 first ID, max deleted ID, entries added), then each consumer
/// group (last delivered ID, entries read) followed by its consumers, each followed by the pending entries it owns with
/// their delivery time and count. What no command of a target can set is counted in the decoder's losses: pending
/// entries no consumer owns (Redis 8.8 NACKs) and idempotent-producer records (Redis 8.6 IDMP).
/// A group's pending entries list is held while its consumers are read (to give each owned entry its delivery time and
/// count): memory grows with the largest pending entries list, 32 bytes an entry, not with the stream.
/// </summary>
internal sealed class RdbStreamDecoder(RdbInput input, RdbValueDecoder owner, int version, int windowElements, int windowBytes)
{
    private const int ItemDeleted = 1;
    private const int ItemSameFields = 2;

    /// <summary>Entries per window: a quarter of the element window (entries hold several fields).</summary>
    private int EntryWindow => Math.Max(1, windowElements / 4);

    public IEnumerable<KeyRecord> Decode(long typeOffset)
    {
        var entries = new List<StreamEntry>();
        long bytes = 0;
        ulong found = 0;
        var nodes = input.ReadLength("the number of stream listpack nodes");
        for (ulong n = 0; n < nodes; n++)
        {
            var at = input.Position;
            var nodeKey = input.ReadBlob("the master ID of a stream node");
            if (nodeKey.Length != 16) throw new RdbFormatException($"A stream node's master ID is {nodeKey.Length} bytes; it must be 16", at);
            var master = StreamId.FromBigEndian(nodeKey);
            var lpAt = input.Position;
            var node = EncodedEntries.Listpack(input.ReadBlob("a stream listpack node"), lpAt, "a stream listpack node");
            foreach (var entry in NodeEntries(node, master, lpAt))
            {
                entries.Add(entry);
                found++;
                foreach (var f in entry.Fields) bytes += f.Length;
                if (entries.Count >= EntryWindow || bytes >= windowBytes)
                {
                    yield return Part(new StreamPart { Kind = StreamPartKind.Entries, Entries = entries });
                    entries = [];
                    bytes = 0;
                }
            }
        }
        if (entries.Count > 0) yield return Part(new StreamPart { Kind = StreamPartKind.Entries, Entries = entries });

        var length = input.ReadLength("the length of a stream");
        if (length != found) throw new RdbFormatException($"A stream says it holds {length} entries, but its nodes hold {found}", typeOffset);
        var lastId = Id("the last ID of a stream");
        StreamId? firstId = null, maxDeleted = null;
        ulong? entriesAdded = null;
        if (version >= 2)
        {
            firstId = Id("the first ID of a stream");
            maxDeleted = Id("the max deleted ID of a stream");
            entriesAdded = input.ReadLength("the entries-added counter of a stream");
        }
        yield return Part(new StreamPart
        {
            Kind = StreamPartKind.Meta,
            Length = length,
            LastId = lastId,
            FirstId = firstId,
            MaxDeletedId = maxDeleted,
            EntriesAdded = entriesAdded,
        });

        var groups = input.ReadLength("the number of stream consumer groups");
        for (ulong g = 0; g < groups; g++)
            foreach (var part in Group()) yield return part;
        if (version >= 4) IdempotentProducers();
    }

    private IEnumerable<KeyRecord> Group()
    {
        var name = input.ReadStringBytes("the name of a consumer group");
        var lastDelivered = Id("the last delivered ID of a consumer group");
        long? entriesRead = null;
        if (version >= 2)
        {
            var read = input.ReadLength("the entries-read counter of a consumer group");
            if (read <= long.MaxValue) entriesRead = (long)read; // -1 (unknown) is stored as 2^64 - 1
        }
        yield return Part(new StreamPart { Kind = StreamPartKind.Group, Group = name, LastDeliveredId = lastDelivered, EntriesRead = entriesRead });

        var pelCount = input.ReadLength("the size of a consumer group's pending list");
        if (pelCount > int.MaxValue) throw new RdbFormatException($"A consumer group's pending list holds {pelCount} entries", input.Position);
        var pel = new (StreamId Id, long Time, ulong Count)[(int)pelCount];
        for (var i = 0; i < pel.Length; i++)
        {
            var id = StreamId.FromBigEndian(input.Take(16, "the 16-byte ID of a pending entry"));
            var time = input.ReadInt64LE("the 8-byte delivery time of a pending entry");
            pel[i] = (id, time, input.ReadLength("the delivery count of a pending entry"));
        }
        var owned = new bool[pel.Length];
        var consumers = input.ReadLength("the number of consumers in a group");
        for (ulong c = 0; c < consumers; c++)
        {
            var consumer = input.ReadStringBytes("the name of a consumer");
            var seen = input.ReadInt64LE("a consumer's seen time");
            long? active = version >= 3 ? input.ReadInt64LE("a consumer's active time") : null;
            yield return Part(new StreamPart { Kind = StreamPartKind.Consumer, Group = name, Consumer = consumer, SeenTimeMs = seen, ActiveTimeMs = active });

            var count = input.ReadLength("the size of a consumer's pending list");
            var window = new List<StreamPending>();
            long missing = 0;
            for (ulong p = 0; p < count; p++)
            {
                var id = StreamId.FromBigEndian(input.Take(16, "the 16-byte ID of a consumer's pending entry"));
                var index = Find(pel, id);
                if (index < 0)
                {
                    missing++;
                    continue;
                }
                owned[index] = true;
                window.Add(new StreamPending(id, pel[index].Time, pel[index].Count));
                if (window.Count >= windowElements)
                {
                    yield return Part(new StreamPart { Kind = StreamPartKind.Pending, Group = name, Consumer = consumer, Pending = window });
                    window = [];
                }
            }
            if (window.Count > 0) yield return Part(new StreamPart { Kind = StreamPartKind.Pending, Group = name, Consumer = consumer, Pending = window });
            if (missing > 0) owner.Losses.Add(new ValueLoss(missing, "pending entries a consumer owns that are not in its group's pending list"));
        }
        var unowned = owned.LongCount(o => !o);
        if (version >= 5)
        {
            // Redis 8.8: the NACK zone lists the pending entries no consumer owns; they are the unowned ones above.
            var nacked = input.ReadLength("the size of a consumer group's NACK zone");
            for (ulong i = 0; i < nacked; i++) input.Take(16, "the 16-byte ID of a NACKed entry");
        }
        if (unowned > 0) owner.Losses.Add(new ValueLoss(unowned, "pending entries no consumer owns (Redis 8.8 NACKs: every older server gives each pending entry an owner)"));
    }

    /// <summary>Redis 8.6 (stream v4+): the IDMP block. No older server can hold it: the recorded IDs are counted as not kept.</summary>
    private void IdempotentProducers()
    {
        input.ReadLength("the IDMP duration of a stream");
        input.ReadLength("the IDMP maximum entries of a stream");
        var producers = input.ReadLength("the number of IDMP producers of a stream");
        long ids = 0;
        for (ulong p = 0; p < producers; p++)
        {
            input.SkipString("the id of an IDMP producer");
            var entries = input.ReadLength("the number of IDs an IDMP producer recorded");
            for (ulong e = 0; e < entries; e++)
            {
                input.SkipString("an idempotent ID (IID)");
                input.ReadLength("the stream ID of an IID (milliseconds)");
                input.ReadLength("the stream ID of an IID (sequence)");
                ids++;
            }
        }
        input.ReadLength("the IIDs-added counter of a stream");
        input.ReadLength("the IIDs-duplicates counter of a stream");
        if (producers > 0 || ids > 0)
            owner.Losses.Add(new ValueLoss(Math.Max(ids, 1), "idempotent-producer records (Redis 8.6 IDMP), which the target cannot hold"));
    }

    /// <summary>The entries of one listpack node that are not marked deleted.</summary>
    private static IEnumerable<StreamEntry> NodeEntries(List<byte[]> lp, StreamId master, long offset)
    {
        const string what = "a stream listpack node";
        long Int(int i) => i < lp.Count ? EncodedEntries.Integer(lp[i], offset, what) : throw Short();
        RdbFormatException Short() => new($"A stream listpack node ends inside an entry", offset);

        var count = Int(0);
        var deleted = Int(1);
        var masterFields = (int)Int(2);
        if (masterFields < 0 || 3 + masterFields >= lp.Count) throw Short();
        var p = 3 + masterFields;
        if (Int(p) != 0) throw new RdbFormatException("A stream listpack node's master entry does not end with 0", offset);
        p++;
        for (long e = 0; e < count + deleted; e++)
        {
            var flags = Int(p);
            var ms = master.Ms + (ulong)Int(p + 1);
            var seq = master.Seq + (ulong)Int(p + 2);
            p += 3;
            byte[][] fields;
            if ((flags & ItemSameFields) != 0)
            {
                if (p + masterFields > lp.Count) throw Short();
                fields = new byte[masterFields * 2][];
                for (var f = 0; f < masterFields; f++)
                {
                    fields[2 * f] = lp[3 + f];
                    fields[2 * f + 1] = lp[p + f];
                }
                p += masterFields;
            }
            else
            {
                var n = (int)Int(p);
                p++;
                if (n < 0 || p + 2 * n > lp.Count) throw Short();
                fields = lp.GetRange(p, 2 * n).ToArray();
                p += 2 * n;
            }
            Int(p); // lp-count, for walking backwards
            p++;
            if ((flags & ItemDeleted) == 0) yield return new StreamEntry(new StreamId(ms, seq), fields);
        }
        if (p != lp.Count) throw new RdbFormatException($"A stream listpack node holds {lp.Count - p} entries after its last stream entry", offset);
    }

    private StreamId Id(string what) => new(input.ReadLength(what + " (milliseconds)"), input.ReadLength(what + " (sequence)"));

    private static int Find((StreamId Id, long Time, ulong Count)[] pel, StreamId id)
    {
        int lo = 0, hi = pel.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = pel[mid].Id.CompareTo(id);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    private static KeyRecord Part(StreamPart part) => new() { Type = "stream", Stream = part };
}
