using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>One command of a stream replay: what to send, how many IDs its reply must hold (XCLAIM … JUSTID), and what it means when fewer come back.</summary>
internal readonly record struct StreamCommand(RedisArg[] Args, int ExpectedItems = 0, string? LossWhat = null);

/// <summary>
/// The commands that rebuild a stream from its logical parts (<see cref="StreamPart"/>), as far as the target's commands
/// can set things:
/// entries: <c>XADD key id field value …</c> with their own IDs;
/// state: <c>XSETID key last-id ENTRIESADDED n MAXDELETEDID id</c> (the two counters need Redis 7.0+; an empty stream is
/// made with <c>XADD key MAXLEN 0 0-1 …</c> first);
/// groups: <c>XGROUP CREATE key group last-delivered-id ENTRIESREAD n</c> (7.0+);
/// consumers: <c>XGROUP CREATECONSUMER</c> (6.2+);
/// pending entries: <c>XCLAIM key group consumer 0 id TIME delivery-ms RETRYCOUNT count FORCE JUSTID</c>, one per entry,
/// which sets owner, delivery time and delivery count exactly; the server claims nothing for an entry whose message was
/// deleted (a pending entry needs its message), which is counted.
/// A consumer's seen time (and, from Redis 7.2, active time) cannot be set by any command: the target sets them to the
/// time of the restore; they are counted as not kept.
/// </summary>
internal sealed class StreamReplay(bool counters, bool createConsumer)
{
    /// <summary>Redis 7.0+ / Valkey: XSETID's ENTRIESADDED and MAXDELETEDID, XGROUP CREATE's ENTRIESREAD, XGROUP CREATECONSUMER.</summary>
    public static readonly StreamReplay Modern = new(counters: true, createConsumer: true);

    /// <summary>What the target's release can set (from INFO server): Redis 7.0+ and every Valkey have the counters, 6.2+ CREATECONSUMER; an unknown release: everything.</summary>
    public static StreamReplay For(IReadOnlyDictionary<string, string> serverInfo)
    {
        ArgumentNullException.ThrowIfNull(serverInfo);
        if (serverInfo.GetValueOrDefault("server_name") == "valkey" || serverInfo.ContainsKey("valkey_version")) return Modern;
        if (!serverInfo.ContainsKey("redis_version")) return Modern; // release unknown (INFO not permitted): a command it lacks fails the key with its reason
        var version = RedisConnection.ParseVersion(serverInfo.GetValueOrDefault("redis_version"));
        return new StreamReplay(version >= new Version(7, 0), version >= new Version(6, 2));
    }

    public const string PendingWithoutMessage = "pending entries whose message was deleted (a target keeps a pending entry only with its message)";

    /// <param name="lose">Receives what the target cannot hold (counted and named by the caller).</param>
    public IEnumerable<StreamCommand> Commands(byte[] key, StreamPart part, Action<ValueLoss> lose)
    {
        switch (part.Kind)
        {
            case StreamPartKind.Entries:
                foreach (var entry in part.Entries!)
                {
                    var args = new RedisArg[3 + entry.Fields.Length];
                    args[0] = "XADD";
                    args[1] = key;
                    args[2] = entry.Id.ToString();
                    for (var i = 0; i < entry.Fields.Length; i++) args[3 + i] = entry.Fields[i];
                    yield return new StreamCommand(args);
                }
                break;

            case StreamPartKind.Meta:
                if (part.Length == 0)
                    yield return new StreamCommand(["XADD", key, "MAXLEN", 0, "0-1", "x", "x"]); // creates the key, holding nothing
                if (counters && part.EntriesAdded is { } added && part.MaxDeletedId is { } maxDeleted)
                    yield return new StreamCommand(["XSETID", key, part.LastId.ToString(), "ENTRIESADDED", (long)added, "MAXDELETEDID", maxDeleted.ToString()]);
                else
                {
                    if (part.EntriesAdded is not null) lose(new ValueLoss(2, "stream counters (entries added, max deleted ID): the target is older than Redis 7.0"));
                    yield return new StreamCommand(["XSETID", key, part.LastId.ToString()]);
                }
                break;

            case StreamPartKind.Group:
                if (counters && part.EntriesRead is { } read)
                    yield return new StreamCommand(["XGROUP", "CREATE", key, part.Group!, part.LastDeliveredId.ToString(), "ENTRIESREAD", read]);
                else
                {
                    if (!counters && part.EntriesRead is not null) lose(new ValueLoss(1, "consumer group entries-read counters: the target is older than Redis 7.0"));
                    yield return new StreamCommand(["XGROUP", "CREATE", key, part.Group!, part.LastDeliveredId.ToString()]);
                }
                break;

            case StreamPartKind.Consumer:
                lose(new ValueLoss(1, "consumer seen/active times (no command sets them: the target records the time of the restore)"));
                if (createConsumer) yield return new StreamCommand(["XGROUP", "CREATECONSUMER", key, part.Group!, part.Consumer!]);
                else lose(new ValueLoss(1, "consumers without pending entries: the target is older than Redis 6.2 (no XGROUP CREATECONSUMER)"));
                break;

            case StreamPartKind.Pending:
                foreach (var pending in part.Pending!)
                    yield return new StreamCommand(
                        ["XCLAIM", key, part.Group!, part.Consumer!, 0, pending.Id.ToString(), "TIME", pending.DeliveryTimeMs, "RETRYCOUNT", (long)pending.DeliveryCount, "FORCE", "JUSTID"],
                        ExpectedItems: 1, LossWhat: PendingWithoutMessage);
                break;
        }
    }
}
