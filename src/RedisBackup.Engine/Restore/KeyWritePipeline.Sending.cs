using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Pipelining and sending: records gathered into batches, the EXISTS round of skip mode, commands staged into the
/// connection's buffer and their ops queued for the reply reader in order, database switches that wait for their reply.
/// </summary>
internal sealed partial class KeyWritePipeline
{
    private async ValueTask AddAsync(KeyRecord record, CancellationToken ct)
    {
        _batch.Add(record);
        _batchWeight += 1 + record.Items.Count + (record.Dump?.Length ?? 0) / 32 + (record.Stream?.Count ?? 0) + ItemBytes(record) / 32;
        if (_batch.Count >= BatchSize || _batchWeight >= BatchWeight) await ProcessBatchAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Bytes of a record's items: a window of a big string weighs what it holds, so a batch never gathers many of them.</summary>
    private static long ItemBytes(KeyRecord record)
    {
        long bytes = 0;
        foreach (var item in record.Items) bytes += item.Length;
        return bytes;
    }

    private async Task ProcessBatchAsync(CancellationToken ct)
    {
        if (_batch.Count == 0) return;
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var states = new KeyState[_batch.Count];

        // Decide per key; in skip mode, ask EXISTS for every logical key first.
        Op? lastExists = null;
        for (var i = 0; i < _batch.Count; i++)
        {
            var r = _batch[i];
            if (r.IsFirst)
            {
                if (_current is not null) throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupCorrupt, "BackupCorrupt: a new key starts before the last chunk of a big key.");
                var state = new KeyState(_options.TargetDatabase ?? r.Database, r.Key);
                state.ExpiredFields = r.ExpiredFields;
                state.Replayed = r.Replayed;
                if (ExpiredAtRestore(r, now) || AllFieldsExpired(r)) state.Dropped = Outcome.Expired;
                else if (r.Unwritable is not null)
                {
                    state.Failure = r.Unwritable;
                    state.Dropped = Outcome.Failed;
                }
                else if (r.Dump is null && _options.ExistingKeys == ExistingKeyPolicy.Skip)
                {
                    await EnsureDbAsync(state.Db, ct).ConfigureAwait(false);
                    _conn.WriteCommand("EXISTS", r.Key);
                    lastExists = new Op(OpKind.Exists, state);
                    _pendingOps.Enqueue(lastExists);
                    await DrainPendingOpsAsync(ct).ConfigureAwait(false);
                }
                states[i] = state;
                if (r.Losses is not null) (state.Losses ??= []).AddRange(r.Losses);
                _current = r.More ? state : null;
            }
            else
            {
                if (_current is null || !_current.Key.AsSpan().SequenceEqual(r.Key))
                    throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupCorrupt, "BackupCorrupt: a chunk record does not follow the first record of its key.");
                _current.ExpiredFields += r.ExpiredFields;
                states[i] = _current;
                if (r.Losses is not null) (_current.Losses ??= []).AddRange(r.Losses);
                if (!r.More) _current = null;
            }
        }
        if (lastExists is not null)
        {
            lastExists.Signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _conn.Flush(_abort.Token);
            await lastExists.Signal.Task.WaitAsync(ct).ConfigureAwait(false);
        }

        // Write.
        for (var i = 0; i < _batch.Count; i++)
        {
            var r = _batch[i];
            var state = states[i];
            if (r.IsFirst && state.Dropped == Outcome.None && state.Exists) state.Dropped = Outcome.Skipped;
            if (state.Dropped != Outcome.None)
            {
                if (r.IsLast) Finish(state);
                continue;
            }
            await EnsureDbAsync(state.Db, ct).ConfigureAwait(false);
            if (r.Dump is not null) WriteRestore(r, state);
            else WriteTyped(r, state);
            if (r.IsLast)
            {
                if (state.Dropped != Outcome.None)
                {
                    Finish(state);
                }
                else if (state.Ops == 0 && state.ExpiredFields > 0)
                {
                    state.Dropped = Outcome.Expired; // a big hash all of whose fields have expired
                    Finish(state);
                }
                else if (state.Ops == 0)
                {
                    state.Failure ??= "the backup holds an empty " + r.Type + ", which Redis cannot store";
                    state.Dropped = Outcome.Failed;
                    Finish(state);
                }
                else
                {
                    // The key is accounted for when the reply of its last command is read: make sure this record has one.
                    if (_pendingOps.Count == 0) Stage(["EXISTS", r.Key], state);
                    if (r.Kind == RedisKeyType.Hash && !state.IsRestore && state.FieldsWritten == 0 && state.ExpiredFields > 0) state.AllFieldsExpired = true;
                    state.LastOp!.Final = true;
                    Total++;
                }
            }
            // A stop from here on still sends this record's commands: only a key with more chunks to come is left open.
            _open = r.More && state.Dropped == Outcome.None && state.Ops > 0 ? state : null;
            await DrainPendingOpsAsync(ct).ConfigureAwait(false);
            if (_conn.PendingBytes >= FlushBytes) _conn.Flush(_abort.Token);
        }
        _batch.Clear();
        _batchWeight = 0;
        _conn.Flush(_abort.Token);
        Report(force: false);
    }

    /// <summary>The big key whose chunks are being written (some sent, more to come), if any.</summary>
    private KeyState? _open;

    private void Stage(RedisArg[] command, KeyState state)
    {
        _conn.WriteCommand(command);
        var op = new Op(OpKind.Write, state);
        state.Ops++;
        state.LastOp = op;
        _pendingOps.Enqueue(op);
    }

    /// <summary>Queues the ops of the commands staged so far for the reader, in order; a stop leaves the rest for <see cref="FinishAsync"/>.</summary>
    private async ValueTask DrainPendingOpsAsync(CancellationToken ct)
    {
        while (_pendingOps.TryPeek(out var op))
        {
            await EnqueueAsync(op, ct).ConfigureAwait(false);
            _pendingOps.Dequeue();
        }
    }

    /// <summary>
    /// Selects <paramref name="db"/> (and empties it first with flush) before anything is written into it. A state change
    /// is never followed by a write whose effect depends on it until its own reply has been read and checked: SELECT and
    /// FLUSHDB are sent, flushed and awaited (with every reply before them), so a refused SELECT can never let the writes
    /// behind it land in the previously selected database. Database switches are rare (records come grouped by database),
    /// so the wait costs one round trip per database.
    /// </summary>
    private async ValueTask EnsureDbAsync(int db, CancellationToken ct)
    {
        if (_writeDb != db)
        {
            _databases.Check(db, _options.TargetDatabase is not null, _conn.Endpoint, nothingWritten: false);
            _writeDb = -1; // unknown until the reply is checked
            _conn.WriteCommand("SELECT", db);
            await AwaitControlAsync(new Op(OpKind.Control, null) { What = "SELECT", Db = db }, ct).ConfigureAwait(false);
            _writeDb = db;
        }
        if (_options.ExistingKeys == ExistingKeyPolicy.Flush && _flushed.Add(db))
        {
            _conn.WriteCommand("FLUSHDB");
            await AwaitControlAsync(new Op(OpKind.Control, null) { What = "FLUSHDB", Db = db }, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Queues a control command already written, sends everything buffered, and waits until the reader has checked its reply.</summary>
    private async ValueTask AwaitControlAsync(Op op, CancellationToken ct)
    {
        op.Signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingOps.Enqueue(op);
        await DrainPendingOpsAsync(ct).ConfigureAwait(false);
        _conn.Flush(_abort.Token);
        await op.Signal.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    private async ValueTask EnqueueAsync(Op op, CancellationToken ct)
    {
        if (_ops.Writer.TryWrite(op)) return;
        _conn.Flush(_abort.Token); // the reader can only make room once these are sent
        await _ops.Writer.WriteAsync(op, ct).ConfigureAwait(false);
    }
}
