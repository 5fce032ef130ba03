using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Command building: what each record becomes on the wire (RESTORE of a DUMP or logical payload, or typed writes with
/// their expiries), staged through <see cref="Stage"/>; keys that expired or cannot be written are decided here.
/// </summary>
internal sealed partial class KeyWritePipeline
{
    /// <summary>
    /// A whole logical key goes as one RESTORE of a payload built from its items (skip rides on BUSYKEY); a record for
    /// which no payload can be built is written with typed commands. Pure work on the record, run once per record on the
    /// reading side of <see cref="WriteAllAsync"/>.
    /// </summary>
    private void Prepare(KeyRecord record)
    {
        if (record.FieldExpireAt is not null) FieldExpiry.DropExpired(record, _options.Ttl, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        if (!_logicalPayloads || record.Dump is not null || record.Stream is not null || record.Unwritable is not null || !record.IsFirst || !record.IsLast) return;
        if (record.FieldExpireAt is null || !_fieldTtls)
            record.Dump = LogicalPayload.TryCreate(record, _compact); // without hash field expiration the fields go without their TTLs (counted)
        else if (_options.Ttl == TtlMode.Absolute)
            record.Dump = LogicalPayload.TryCreateWithFieldExpiry(record, _compact); // null: HSET + HPEXPIREAT
    }

    private void WriteRestore(KeyRecord r, KeyState state)
    {
        var (ttl, absolute) = ExpiryFor(r.ExpireAtMs, r.TtlMs);
        var replace = _options.ExistingKeys == ExistingKeyPolicy.Replace;
        var abs = absolute && ttl is not null;
        var extra = r.IdleSeconds is not null || r.Frequency is not null;
        var args = new RedisArg[4 + (replace ? 1 : 0) + (abs ? 1 : 0) + (extra ? 2 : 0)];
        args[0] = "RESTORE";
        args[1] = r.Key;
        args[2] = ttl ?? 0;
        args[3] = r.Dump!;
        var at = 4;
        if (replace) args[at++] = "REPLACE";
        if (abs) args[at++] = "ABSTTL";
        if (r.IdleSeconds is { } idle) { args[at++] = "IDLETIME"; args[at] = idle; }
        else if (r.Frequency is { } freq) { args[at++] = "FREQ"; args[at] = (int)freq; }
        Stage(args, state);
        state.IsRestore = true;
        if (r.FieldExpireAt is not null)
        {
            if (LogicalPayload.HoldsFieldExpiry(r.Dump!)) state.KeptFieldTtls += FieldExpiry.Count(r);
            else state.LostFieldTtls += FieldExpiry.Count(r);
        }
    }

    private void WriteTyped(KeyRecord r, KeyState state)
    {
        if (r.IsFirst && _options.ExistingKeys == ExistingKeyPolicy.Replace && !(r.Kind == RedisKeyType.String && r.IsLast))
            Stage(["DEL", r.Key], state);
        var items = r.Items;
        if (r.ExpireAtMs is not null || r.TtlMs is not null) { state.ExpireAtMs = r.ExpireAtMs; state.TtlMs = r.TtlMs; }
        if (r.Stream is { } part)
        {
            foreach (var command in Streams.Commands(r.Key, part, loss => (state.Losses ??= []).Add(loss)))
            {
                Stage(command.Args, state);
                state.LastOp!.ExpectedItems = command.ExpectedItems;
                state.LastOp.LossWhat = command.LossWhat;
            }
        }
        else if (items.Count > 0 || r.Kind == RedisKeyType.String)
        {
            var args = new RedisArg[2 + items.Count];
            args[1] = r.Key;
            switch (r.Kind)
            {
                case RedisKeyType.String:
                    if (items.Count != 1) { Fail(state, "a string record without exactly one value"); return; }
                    args[0] = r.IsFirst ? "SET" : "APPEND";
                    args[2] = items[0];
                    break;
                case RedisKeyType.Hash:
                    args[0] = "HSET";
                    for (var i = 0; i < items.Count; i++) args[2 + i] = items[i];
                    state.FieldsWritten += items.Count / 2;
                    break;
                case RedisKeyType.List:
                    args[0] = "RPUSH";
                    for (var i = 0; i < items.Count; i++) args[2 + i] = items[i];
                    break;
                case RedisKeyType.Set:
                    args[0] = "SADD";
                    for (var i = 0; i < items.Count; i++) args[2 + i] = items[i];
                    break;
                case RedisKeyType.ZSet:
                    args[0] = "ZADD";
                    for (var i = 0; i + 1 < items.Count; i += 2)
                    {
                        args[2 + i] = items[i + 1]; // score (Redis's own text) before member
                        args[3 + i] = items[i];
                    }
                    break;
                default:
                    Fail(state, $"type '{r.Type}' has no logical form; it needs a DUMP payload");
                    return;
            }
            Stage(args, state);
            if (r.FieldExpireAt is not null) WriteFieldExpiries(r, state);
        }
        if (r.IsLast)
        {
            var (ttl, absolute) = ExpiryFor(state.ExpireAtMs, state.TtlMs);
            if (ttl is { } t) Stage([absolute ? "PEXPIREAT" : "PEXPIRE", r.Key, t], state);
        }
    }

    /// <summary>After a hash window's HSET: its fields' expiries, or, on a target without them, the count of those lost.</summary>
    private void WriteFieldExpiries(KeyRecord r, KeyState state)
    {
        if (!_fieldTtls)
        {
            state.LostFieldTtls += FieldExpiry.Count(r);
            return;
        }
        foreach (var command in FieldExpiry.Commands(r, _options.Ttl))
        {
            Stage(command, state);
            state.LastOp!.SetsFieldTtls = true;
        }
    }

    /// <summary>A whole hash every field of which had expired (and was taken out by <see cref="Prepare"/>).</summary>
    private static bool AllFieldsExpired(KeyRecord r)
        => r.IsFirst && r.IsLast && r.Kind == RedisKeyType.Hash && r.Dump is null && r.Items.Count == 0 && r.ExpiredFields > 0;

    /// <summary>The expiry to set: (null, _) for none; absolute Unix ms or relative ms.</summary>
    private (long? Ttl, bool Absolute) ExpiryFor(long? expireAtMs, long? ttlMs)
    {
        if (_options.Ttl == TtlMode.Absolute && expireAtMs is { } at) return (at, true);
        if (ttlMs is { } ttl) return (Math.Max(ttl, 1), false);
        if (expireAtMs is { } at2) return (at2, true);
        return (null, false);
    }

    private bool ExpiredAtRestore(KeyRecord r, long now)
        => _options.Ttl == TtlMode.Absolute ? r.ExpireAtMs is { } at && at <= now
            : r.TtlMs is { } ttl ? ttl <= 0 : r.ExpireAtMs is { } at2 && at2 <= now;

    private static void Fail(KeyState state, string reason)
    {
        state.Failure ??= reason;
        if (state.Ops == 0 && state.Dropped == Outcome.None)
        {
            state.Dropped = Outcome.Failed;
        }
    }
}
