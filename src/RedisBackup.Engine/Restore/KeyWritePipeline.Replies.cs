using System.Globalization;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Reply accounting: the reader of the replies (on its own thread, in the order the commands were sent), the counts
/// of each key's outcome, the failures and warnings kept, fail-fast, and the result built from the counts.
/// </summary>
internal sealed partial class KeyWritePipeline
{
    private void ReadReplies(CancellationToken abort)
    {
        try
        {
            while (true)
            {
                if (!_ops.Reader.TryRead(out var op))
                {
                    if (!_ops.Reader.WaitToReadAsync(abort).AsTask().GetAwaiter().GetResult()) break;
                    continue;
                }
                var reply = _conn.ReadReply(abort);
                switch (op.Kind)
                {
                    case OpKind.Control:
                        if (reply.IsError)
                        {
                            var text = reply.AsString()!;
                            if (op.What == "SELECT")
                                throw TargetDatabases.SelectRefused(op.Db, text, _options.TargetDatabase is not null, _conn.Endpoint, nothingWritten: false);
                            var classified = RedisServerException.FromReply(text, op.What);
                            if (classified.Kind != ErrorKind.ServerError) throw classified; // NOAUTH, WRONGPASS, NOPERM
                            throw new RedisBackupException(ErrorKind.ServerError, ErrorIds.RestoreCommandFailed, $"{op.What} of database {op.Db} failed on {_conn.Endpoint}: {text}", _conn.Endpoint.ToString());
                        }
                        op.Signal?.TrySetResult();
                        break;
                    case OpKind.Cleanup:
                        _incompleteRemoved = !reply.IsError;
                        break;
                    case OpKind.Exists:
                        reply.ThrowIfError("EXISTS");
                        op.State!.Exists = reply.Integer > 0;
                        op.Signal?.TrySetResult();
                        break;
                    default:
                    {
                        var state = op.State!;
                        if (reply.IsError)
                        {
                            var text = reply.AsString()!;
                            if (state.IsRestore && text.StartsWith("BUSYKEY", StringComparison.Ordinal)) state.Busy = true;
                            else
                            {
                                // Authentication problems concern every key: stop. A NOPERM on a key pattern is that key's failure.
                                if (text.StartsWith("NOAUTH", StringComparison.Ordinal) || text.StartsWith("WRONGPASS", StringComparison.Ordinal))
                                    reply.ThrowIfError(state.IsRestore ? "RESTORE" : null);
                                state.Failure ??= text;
                            }
                        }
                        else if (op.SetsFieldTtls) CountFieldTtlReply(state, reply);
                        else if (op.ExpectedItems > 0) CountMissingItems(state, reply, op);
                        if (op.Final) Account(state);
                        break;
                    }
                }
            }
        }
        catch (Exception ex)
        {
            if (ex is not OperationCanceledException) _readerError = ex;
            _abort.Cancel();
            throw;
        }
    }

    /// <summary>HPEXPIREAT / HPEXPIRE answer per field: 1 set, 2 deleted (its time had passed), anything else not set.</summary>
    private static void CountFieldTtlReply(KeyState state, RespValue reply)
    {
        foreach (var code in reply.AsArray())
        {
            switch (code.Integer)
            {
                case 1: state.KeptByServer++; break;
                case 2: state.ExpiredByServer++; break;
                default: state.NotSetByServer++; break;
            }
        }
    }

    /// <summary>A reply that must list <see cref="Op.ExpectedItems"/> items (XCLAIM … JUSTID): the ones missing are counted as not kept.</summary>
    private static void CountMissingItems(KeyState state, RespValue reply, Op op)
    {
        var got = reply.Type == RespType.Array ? reply.AsArray().Length : 0;
        if (got >= op.ExpectedItems) return;
        state.ServerLosses ??= new Dictionary<string, long>(StringComparer.Ordinal);
        var what = op.LossWhat ?? "items the target did not keep";
        state.ServerLosses[what] = state.ServerLosses.GetValueOrDefault(what) + op.ExpectedItems - got;
    }

    private void Account(KeyState state)
    {
        if (state.Failure is null && !state.Busy)
        {
            Interlocked.Add(ref _fieldTtlsKept, state.KeptFieldTtls + state.KeptByServer);
            Interlocked.Add(ref _fieldsExpired, state.ExpiredFields + state.ExpiredByServer);
            var reasons = new List<string>();
            var lost = state.LostFieldTtls + state.NotSetByServer;
            if (lost > 0)
            {
                Interlocked.Add(ref _fieldTtlsLost, lost);
                reasons.Add(state.NotSetByServer == 0
                    ? $"{lost.ToString(CultureInfo.InvariantCulture)} hash field TTLs not kept: the target has no hash field expiration (Redis 7.4+ or Valkey 9 needed); the fields were restored without them"
                    : $"{lost.ToString(CultureInfo.InvariantCulture)} hash field TTLs not kept: the target did not set them (its field was missing)");
            }
            if (state.Losses is not null || state.ServerLosses is not null)
            {
                var details = new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (var loss in state.Losses ?? []) details[loss.What] = details.GetValueOrDefault(loss.What) + loss.Count;
                foreach (var (what, count) in state.ServerLosses ?? []) details[what] = details.GetValueOrDefault(what) + count;
                foreach (var (what, count) in details)
                {
                    Interlocked.Add(ref _detailsNotKept, count);
                    reasons.Add($"{count.ToString(CultureInfo.InvariantCulture)} {what} not kept");
                }
            }
            if (reasons.Count > 0) RecordWarning(state, string.Join("; ", reasons));
            if (state.AllFieldsExpired)
            {
                Interlocked.Increment(ref _expiredLate); // every field had expired: nothing of the key was written
                return;
            }
        }
        if (state.Failure is not null)
        {
            Interlocked.Increment(ref _failed);
            RecordFailure(state);
            if (_options.FailFast) StopForFailFast(state); // this side goes on reading the replies already due, so the counts stay exact
        }
        else if (state.Busy) Interlocked.Increment(ref _skippedBusy);
        else
        {
            Interlocked.Increment(ref _restored);
            _lastWritten = state;
            if (state.Replayed) Interlocked.Increment(ref _replayed);
        }
    }

    /// <summary>Counts a key that is not written (expired, skipped, or failed before any command).</summary>
    private void Finish(KeyState state)
    {
        Total++;
        switch (state.Dropped)
        {
            case Outcome.Expired:
                _expired++;
                _fieldsExpiredEarly += state.ExpiredFields;
                break;
            case Outcome.Skipped: _skipped++; break;
            case Outcome.Failed:
                _failedEarly++;
                RecordFailure(state);
                if (_options.FailFast) StopForFailFast(state);
                break;
        }
    }

    /// <summary>
    /// Fail-fast: the first failed key (a refused write, or a key the writer could not send, such as a module value the
    /// target cannot take) stops the writer at its next record boundary; the replies already due are still read.
    /// </summary>
    private void StopForFailFast(KeyState state)
    {
        var error = new RedisBackupException(ErrorKind.ServerError, ErrorIds.RestoreKeyFailed,
            $"Key '{Describe(state.Key)}' in database {state.Db} could not be restored: {state.Failure}. Stopped there because fail-fast was asked for",
            _conn.Endpoint.ToString());
        if (Interlocked.CompareExchange(ref _failFastError, error, null) is null)
            ThreadPool.UnsafeQueueUserWorkItem(static p => p.RequestStop(), this, preferLocal: false);
    }

    private void RecordFailure(KeyState state)
    {
        lock (_failures)
        {
            if (_failures.Count < MaxFailuresKept) _failures.Add(new KeyFailure(state.Db, Describe(state.Key), state.Failure ?? "unknown"));
        }
    }

    private void RecordWarning(KeyState state, string reason)
    {
        Interlocked.Increment(ref _warned);
        lock (_warnings)
        {
            if (_warnings.Count < MaxFailuresKept) _warnings.Add(new KeyWarning(state.Db, Describe(state.Key), reason));
        }
    }

    private RestoreResult Counts(bool complete)
    {
        var restored = Interlocked.Read(ref _restored);
        var skipped = _skipped + Interlocked.Read(ref _skippedBusy);
        var failed = Interlocked.Read(ref _failed) + _failedEarly;
        var expired = _expired + Interlocked.Read(ref _expiredLate);
        var cut = complete || _open is not { } open ? null : new IncompleteKey(open.Db, Describe(open.Key), _incompleteRemoved);
        KeyWarning[] warnings;
        lock (_warnings) warnings = _warnings.ToArray();
        return new RestoreResult
        {
            Restored = restored,
            Skipped = skipped,
            Expired = expired,
            Failed = failed,
            Total = Total,
            Failures = _failures.ToArray(),
            FieldTtlsKept = Interlocked.Read(ref _fieldTtlsKept),
            FieldTtlsLost = Interlocked.Read(ref _fieldTtlsLost),
            FieldsExpired = Interlocked.Read(ref _fieldsExpired) + _fieldsExpiredEarly,
            KeysWithWarnings = Interlocked.Read(ref _warned),
            Warnings = warnings,
            Complete = complete,
            Unconfirmed = Math.Max(0, Total - restored - skipped - expired - failed),
            LastWritten = _lastWritten is { } last ? new KeyPosition(last.Db, Describe(last.Key)) : null,
            IncompleteKey = cut,
            Replayed = Interlocked.Read(ref _replayed),
            DetailsNotKept = Interlocked.Read(ref _detailsNotKept),
        };
    }
}
