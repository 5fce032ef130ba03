using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// The restore side of hash field TTLs (<see cref="KeyRecord.FieldExpireAt"/>): which fields have expired, and the
/// HPEXPIREAT / HPEXPIRE commands that set the others' expiries after the fields are written.
/// </summary>
internal static class FieldExpiry
{
    /// <summary>
    /// Takes out of a hash record the fields whose expiry has passed, absolute (expiry at or before
    /// <paramref name="nowMs"/>) or relative (no time left when they were read), and counts them in
    /// <see cref="KeyRecord.ExpiredFields"/>. A record left with no expiry at all loses its expiry list.
    /// </summary>
    public static void DropExpired(KeyRecord record, TtlMode mode, long nowMs)
    {
        if (record.FieldExpireAt is not { } expiry) return;
        var items = record.Items;
        var relative = mode == TtlMode.Relative && record.FieldsReadAtMs is not null;
        var readAt = record.FieldsReadAtMs ?? 0;
        var kept = 0;
        var withExpiry = 0;
        for (var i = 0; i < expiry.Count; i++)
        {
            var at = expiry[i];
            if (at != 0 && (relative ? at - readAt <= 0 : at <= nowMs)) continue;
            if (at != 0) withExpiry++;
            expiry[kept] = at;
            items[2 * kept] = items[2 * i];
            items[2 * kept + 1] = items[2 * i + 1];
            kept++;
        }
        record.ExpiredFields += expiry.Count - kept;
        if (kept < expiry.Count)
        {
            expiry.RemoveRange(kept, expiry.Count - kept);
            items.RemoveRange(2 * kept, items.Count - 2 * kept);
        }
        if (withExpiry == 0) record.FieldExpireAt = null;
    }

    /// <summary>Fields with an expiry (entries other than 0).</summary>
    public static int Count(KeyRecord record)
    {
        if (record.FieldExpireAt is not { } expiry) return 0;
        var n = 0;
        foreach (var at in expiry)
            if (at != 0) n++;
        return n;
    }

    /// <summary>
    /// The commands that set a written record's field expiries: one per distinct time, HPEXPIREAT key ms FIELDS n f…
    /// (absolute), or HPEXPIRE key ms FIELDS n f… with the time each field had left when it was read (relative).
    /// </summary>
    public static List<RedisArg[]> Commands(KeyRecord record, TtlMode mode)
    {
        var commands = new List<RedisArg[]>();
        if (record.FieldExpireAt is not { } expiry) return commands;
        var relative = mode == TtlMode.Relative && record.FieldsReadAtMs is not null;
        var readAt = record.FieldsReadAtMs ?? 0;
        var groups = new Dictionary<long, List<byte[]>>();
        var order = new List<long>();
        for (var i = 0; i < expiry.Count; i++)
        {
            if (expiry[i] == 0) continue;
            var time = relative ? Math.Max(expiry[i] - readAt, 1) : expiry[i];
            if (!groups.TryGetValue(time, out var fields))
            {
                groups[time] = fields = [];
                order.Add(time);
            }
            fields.Add(record.Items[2 * i]);
        }
        foreach (var time in order)
        {
            var fields = groups[time];
            var args = new RedisArg[5 + fields.Count];
            args[0] = relative ? "HPEXPIRE" : "HPEXPIREAT";
            args[1] = record.Key;
            args[2] = time;
            args[3] = "FIELDS";
            args[4] = fields.Count;
            for (var i = 0; i < fields.Count; i++) args[5 + i] = fields[i];
            commands.Add(args);
        }
        return commands;
    }
}
