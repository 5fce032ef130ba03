using System.Globalization;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Export;

/// <summary>
/// Reads one stream of a live server as the logical parts <c>convert</c> writes for a big stream of an RDB file
/// (<see cref="StreamPart"/>, README "Logical stream records"), window by window, so the stream is never held whole:
/// entries by <c>XRANGE key start + COUNT 500</c>; then the stream's state from <c>XINFO STREAM</c> (last ID, and from
/// Redis 7.0 entries added, max deleted ID and recorded first ID; the length is the number of entries written, as in an
/// RDB file); then each group of <c>XINFO GROUPS</c> (last delivered ID, entries read), its consumers
/// (<c>XINFO CONSUMERS</c>: seen time, and from Redis 7.2 active time, as the server's clock minus the idle and
/// inactive times), each followed by the pending entries it owns (<c>XPENDING key group start + 200 consumer</c>, ten
/// calls to a record: delivery time as the server's clock minus the idle time, exact to the millisecond (see
/// <see cref="Timed"/>), and delivery count). Memory: one window, and a group's consumer list (XINFO CONSUMERS).
///
/// A stream that changes while it is read is read as it is at each window, like any big key: entries added after the
/// entries were read are not in the file (the state read afterwards may name a later last ID, which a restore sets
/// with XSETID), and a stream deleted part-way ends with the state of what was read.
/// </summary>
internal sealed class LiveStreamReader(RedisConnection connection)
{
    /// <summary>Entries per window: a quarter of an element window, as convert's windows (entries hold several fields).</summary>
    public const int EntryWindow = KeyRecord.ChunkElements / 4;

    /// <summary>Pending entries per window (per record).</summary>
    public const int PendingWindow = KeyRecord.ChunkElements;

    /// <summary>
    /// Pending entries per XPENDING call: a short command, so that it runs within one millisecond of the server's clock
    /// (see <see cref="Timed"/>); a window is several calls.
    /// </summary>
    public const int PendingRead = 200;

    /// <summary>The parts of the stream, in file order; none when the stream was gone before anything was read.</summary>
    public IEnumerable<StreamPart> Read(byte[] key, CancellationToken ct)
    {
        ulong written = 0;
        StreamId? last = null;
        var start = "-";
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var reply = connection.Execute(ct, "XRANGE", key, start, "+", "COUNT", EntryWindow);
            if (reply.IsError && IsGone(reply)) break;
            var items = reply.ThrowIfError("XRANGE").AsArray();
            if (items.Length == 0) break;
            var entries = new List<StreamEntry>(items.Length);
            foreach (var item in items)
            {
                var pair = item.AsArray();
                if (pair.Length != 2) throw Unexpected("XRANGE", "an entry that is not [id, fields]");
                var id = ParseId(pair[0], "XRANGE");
                var fields = pair[1].AsArray();
                var values = new byte[fields.Length][];
                for (var i = 0; i < fields.Length; i++) values[i] = fields[i].Bytes ?? [];
                entries.Add(new StreamEntry(id, values));
                last = id;
            }
            written += (ulong)entries.Count;
            yield return new StreamPart { Kind = StreamPartKind.Entries, Entries = entries };
            if (items.Length < EntryWindow) break;
            if (Next(last!.Value) is not { } next) break;
            start = next.ToString();
        }

        var info = connection.Execute(ct, "XINFO", "STREAM", key);
        if (info.IsError && IsGone(info))
        {
            // Deleted (or replaced by another type) part-way: the stream as far as it was read, if anything was.
            if (written > 0) yield return new StreamPart { Kind = StreamPartKind.Meta, Length = written, LastId = last!.Value };
            yield break;
        }
        var fieldsOfInfo = Pairs(info.ThrowIfError("XINFO STREAM"));
        var lastId = ParseId(Field(fieldsOfInfo, "last-generated-id", "XINFO STREAM"), "XINFO STREAM");
        StreamId? maxDeleted = null, firstId = null;
        ulong? added = null;
        if (fieldsOfInfo.TryGetValue("entries-added", out var addedReply))
        {
            added = (ulong)addedReply.AsInt64();
            maxDeleted = ParseId(Field(fieldsOfInfo, "max-deleted-entry-id", "XINFO STREAM"), "XINFO STREAM");
            if (fieldsOfInfo.TryGetValue("recorded-first-entry-id", out var first)) firstId = ParseId(first, "XINFO STREAM");
        }
        // Entries added after the windows were read have later IDs than the last one written; the last ID must not be
        // lower than what the file holds (a restore's XSETID refuses that).
        if (last is { } lastWritten && lastId < lastWritten) lastId = lastWritten;
        if (added is { } a && a < written) added = written;
        yield return new StreamPart { Kind = StreamPartKind.Meta, Length = written, LastId = lastId, FirstId = firstId, MaxDeletedId = maxDeleted, EntriesAdded = added };

        var groups = connection.Execute(ct, "XINFO", "GROUPS", key);
        if (groups.IsError && IsGone(groups)) yield break;
        foreach (var groupReply in groups.ThrowIfError("XINFO GROUPS").AsArray())
        {
            var group = Pairs(groupReply);
            var name = Field(group, "name", "XINFO GROUPS").Bytes ?? [];
            var lastDelivered = ParseId(Field(group, "last-delivered-id", "XINFO GROUPS"), "XINFO GROUPS");
            long? entriesRead = group.TryGetValue("entries-read", out var read) && !read.IsNull ? read.AsInt64() : null;
            yield return new StreamPart { Kind = StreamPartKind.Group, Group = name, LastDeliveredId = lastDelivered, EntriesRead = entriesRead };
            foreach (var part in Consumers(key, name, ct)) yield return part;
        }
    }

    private IEnumerable<StreamPart> Consumers(byte[] key, byte[] group, CancellationToken ct)
    {
        var (reply, now) = Timed(ct, "XINFO", "CONSUMERS", key, group);
        if (reply.IsError && IsGone(reply)) yield break; // the group (or the key) was deleted meanwhile
        foreach (var consumerReply in reply.ThrowIfError("XINFO CONSUMERS").AsArray())
        {
            var consumer = Pairs(consumerReply);
            var name = Field(consumer, "name", "XINFO CONSUMERS").Bytes ?? [];
            var idle = Field(consumer, "idle", "XINFO CONSUMERS").AsInt64();
            long? active = null;
            if (consumer.TryGetValue("inactive", out var inactive))
            {
                var ms = inactive.AsInt64();
                active = ms < 0 ? -1 : now - ms; // -1: never active, as the server keeps it
            }
            yield return new StreamPart { Kind = StreamPartKind.Consumer, Group = group, Consumer = name, SeenTimeMs = now - idle, ActiveTimeMs = active };
            if (Field(consumer, "pending", "XINFO CONSUMERS").AsInt64() == 0) continue;
            foreach (var part in Pending(key, group, name, ct)) yield return part;
        }
    }

    private IEnumerable<StreamPart> Pending(byte[] key, byte[] group, byte[] consumer, CancellationToken ct)
    {
        var start = "-";
        var window = new List<StreamPending>(PendingRead);
        var more = true;
        while (more)
        {
            ct.ThrowIfCancellationRequested();
            var (reply, now) = Timed(ct, "XPENDING", key, group, start, "+", PendingRead, consumer);
            if (reply.IsError && IsGone(reply)) break;
            var items = reply.ThrowIfError("XPENDING").AsArray();
            foreach (var item in items)
            {
                var fields = item.AsArray();
                if (fields.Length != 4) throw Unexpected("XPENDING", "a pending entry that is not [id, consumer, idle, count]");
                window.Add(new StreamPending(ParseId(fields[0], "XPENDING"), now - fields[2].AsInt64(), (ulong)fields[3].AsInt64()));
            }
            more = items.Length == PendingRead && window.Count > 0 && Next(window[^1].Id) is not null;
            if (more) start = Next(window[^1].Id)!.Value.ToString();
            if (window.Count >= PendingWindow || (!more && window.Count > 0))
            {
                yield return new StreamPart { Kind = StreamPartKind.Pending, Group = group, Consumer = consumer, Pending = window };
                window = new List<StreamPending>(PendingRead);
            }
        }
        if (window.Count > 0) yield return new StreamPart { Kind = StreamPartKind.Pending, Group = group, Consumer = consumer, Pending = window };
    }

    /// <summary>
    /// A command whose reply holds times relative to the server's clock (idle times), and that clock in Unix ms:
    /// <c>TIME</c>, the command, <c>TIME</c> in one pipeline. The server computes the idle times from its clock in whole
    /// milliseconds while it runs the command, between the two TIMEs; when both read the same millisecond, that is the
    /// clock the command used, so a delivery time (clock − idle) is exact. Otherwise the command is sent again, up to
    /// 20 times, and then the later clock is taken (a delivery time then within the milliseconds the command took).
    /// </summary>
    private (RespValue Reply, long Now) Timed(CancellationToken ct, params RedisArg[] command)
    {
        for (var attempt = 1; ; attempt++)
        {
            connection.WriteCommand("TIME");
            connection.WriteCommand(command);
            connection.WriteCommand("TIME");
            connection.Flush(ct);
            var before = ServerTime(connection.ReadReply(ct));
            var reply = connection.ReadReply(ct);
            var after = ServerTime(connection.ReadReply(ct));
            if (before == after || attempt == 20) return (reply, after);
        }
    }

    /// <summary>The key was deleted, or replaced by a value of another type, while it was read.</summary>
    private static bool IsGone(RespValue error)
    {
        var text = error.AsString() ?? "";
        return text.StartsWith("WRONGTYPE", StringComparison.Ordinal) || text.Contains("no such key", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("NOGROUP", StringComparison.Ordinal);
    }

    /// <summary>The ID right after <paramref name="id"/> (an inclusive range start that skips it); null after the largest.</summary>
    private static StreamId? Next(StreamId id)
        => id.Seq < ulong.MaxValue ? new StreamId(id.Ms, id.Seq + 1) : id.Ms < ulong.MaxValue ? new StreamId(id.Ms + 1, 0) : null;

    /// <summary>A flat [name, value, name, value…] reply (RESP2 maps) as a dictionary.</summary>
    private static Dictionary<string, RespValue> Pairs(RespValue reply)
    {
        var items = reply.AsArray();
        var result = new Dictionary<string, RespValue>(items.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Length; i += 2) result[items[i].AsString() ?? ""] = items[i + 1];
        return result;
    }

    private static RespValue Field(Dictionary<string, RespValue> pairs, string name, string command)
        => pairs.TryGetValue(name, out var value) ? value : throw Unexpected(command, $"a reply without '{name}'");

    private static StreamId ParseId(RespValue reply, string command)
    {
        var text = reply.AsString() ?? "";
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0
            && ulong.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            && ulong.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            return new StreamId(ms, seq);
        throw Unexpected(command, $"'{text}', which is not a stream ID");
    }

    /// <summary>A TIME reply (seconds, microseconds) as Unix milliseconds.</summary>
    private static long ServerTime(RespValue reply)
    {
        var parts = reply.ThrowIfError("TIME").AsArray();
        if (parts.Length != 2) throw Unexpected("TIME", $"an array of {parts.Length.ToString(CultureInfo.InvariantCulture)}");
        return parts[0].AsInt64() * 1000 + parts[1].AsInt64() / 1000;
    }

    private static RedisBackupException Unexpected(string command, string what)
        => new(ErrorKind.ProtocolError, ErrorIds.RedisUnexpectedReply, $"Unexpected {command} reply: {what}.");
}
