using System.Buffers.Binary;
using System.Globalization;

namespace RedisBackup.Engine.Formats;

/// <summary>A stream entry ID: milliseconds and sequence number.</summary>
internal readonly record struct StreamId(ulong Ms, ulong Seq) : IComparable<StreamId>
{
    /// <summary>The 16-byte big-endian form Redis keeps in its radix trees and writes into RDB files.</summary>
    public static StreamId FromBigEndian(ReadOnlySpan<byte> bytes)
        => new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    public int CompareTo(StreamId other) => Ms != other.Ms ? Ms.CompareTo(other.Ms) : Seq.CompareTo(other.Seq);

    public static bool operator <(StreamId a, StreamId b) => a.CompareTo(b) < 0;
    public static bool operator >(StreamId a, StreamId b) => a.CompareTo(b) > 0;
    public static bool operator <=(StreamId a, StreamId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(StreamId a, StreamId b) => a.CompareTo(b) >= 0;

    /// <summary>"ms-seq", as the stream commands take and return it.</summary>
    public override string ToString() => Ms.ToString(CultureInfo.InvariantCulture) + "-" + Seq.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One stream entry: its ID and its field, value pairs (flat, in order; a field may repeat).</summary>
internal sealed record StreamEntry(StreamId Id, byte[][] Fields);

/// <summary>One pending entry a consumer owns: its ID, when it was last delivered, and how often.</summary>
internal sealed record StreamPending(StreamId Id, long DeliveryTimeMs, ulong DeliveryCount);

/// <summary>What a <see cref="StreamPart"/> holds.</summary>
internal enum StreamPartKind
{
    /// <summary>A window of entries, in ID order.</summary>
    Entries,

    /// <summary>The stream's own state after its entries: length, last ID, entries added, max deleted ID.</summary>
    Meta,

    /// <summary>A consumer group: its name, last delivered ID and entries-read counter.</summary>
    Group,

    /// <summary>A consumer of the group named in <see cref="StreamPart.Group"/>: its name and activity times.</summary>
    Consumer,

    /// <summary>A window of the pending entries a consumer owns (<see cref="StreamPart.Consumer"/> of <see cref="StreamPart.Group"/>).</summary>
    Pending,
}

/// <summary>
/// One logical part of a stream value, in the order a stream is rebuilt: entry windows, then its state, then each group
/// followed by its consumers, each followed by the pending entries it owns. A key record of type stream carries one
/// part (a big stream is several records, like a big hash).
/// </summary>
internal sealed class StreamPart
{
    public StreamPartKind Kind { get; init; }

    /// <summary><see cref="StreamPartKind.Entries"/>: the entries of this window.</summary>
    public List<StreamEntry>? Entries { get; init; }

    // Meta
    public ulong Length { get; init; }
    public StreamId LastId { get; init; }

    /// <summary>Streams of Redis 7.0 and later: the first entry's ID, the largest deleted ID and the count of entries ever added.</summary>
    public StreamId? FirstId { get; init; }
    public StreamId? MaxDeletedId { get; init; }
    public ulong? EntriesAdded { get; init; }

    /// <summary>Group, Consumer and Pending: the group's name.</summary>
    public byte[]? Group { get; init; }

    // Group
    public StreamId LastDeliveredId { get; init; }

    /// <summary>Redis 7.0+: the group's entries-read counter; null when the file has none or records it as unknown (-1).</summary>
    public long? EntriesRead { get; init; }

    /// <summary>Consumer and Pending: the consumer's name.</summary>
    public byte[]? Consumer { get; init; }

    // Consumer
    public long SeenTimeMs { get; init; }

    /// <summary>Redis 7.2+ streams: when the consumer last read or claimed successfully; null before.</summary>
    public long? ActiveTimeMs { get; init; }

    /// <summary><see cref="StreamPartKind.Pending"/>: the entries this consumer owns, with delivery time and count.</summary>
    public List<StreamPending>? Pending { get; init; }

    /// <summary>Rough size in bytes, for bounding what is held in memory.</summary>
    public long Bytes
    {
        get
        {
            long bytes = 64 + (Group?.Length ?? 0) + (Consumer?.Length ?? 0) + (Pending?.Count ?? 0) * 48L;
            if (Entries is not null)
                foreach (var entry in Entries)
                {
                    bytes += 32;
                    foreach (var item in entry.Fields) bytes += item.Length + 16;
                }
            return bytes;
        }
    }

    /// <summary>Items, for batch weights: entries, pending entries, or 1.</summary>
    public int Count => Entries?.Count ?? Pending?.Count ?? 1;
}
