using System.Globalization;
using System.Text;
using System.Threading.Channels;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Writes key records into a live server over one connection with a deep pipeline: this side buffers and sends
/// commands, a concurrent task reads the replies in order and accounts for them. Used by every live restore path.
/// Both sides use blocking socket calls (sends here, reads on the reply thread): a deep pipeline keeps the socket
/// buffers full, and an asynchronous send or read would cost a thread-pool hop nearly every time.
///
/// Per key: a DUMP payload goes as RESTORE (ABSTTL, REPLACE, IDLETIME/FREQ as asked; BUSYKEY means skipped).
/// A logical value goes as typed writes (SET/APPEND, HSET, RPUSH, SADD, ZADD; one command per record or chunk), after
/// a DEL when replacing, and its expiry is set after the last chunk. In skip mode the existence of logical keys is
/// checked with one pipelined EXISTS per key for a whole batch before the batch is written.
/// Hash field TTLs (<see cref="KeyRecord.FieldExpireAt"/>): fields whose expiry has passed are not written (counted);
/// the others get HPEXPIREAT / HPEXPIRE after their window's HSET, or travel inside a HASH_LISTPACK_EX payload
/// (<see cref="LogicalPayload"/>); a target without hash field expiration gets the fields without them, counted and
/// named as warnings (see <see cref="FieldExpiry"/>).
///
/// Stopping: a stop (the caller's cancellation, fail-fast, the writer's own failure such as a damaged record) ends the
/// writing at a record boundary; what was already staged is sent and every reply still due is read, so the counts say
/// exactly what the server holds, and a big key cut off part-way is deleted again. Only when the connection fails, or the
/// replies do not come within a grace period after a stop, is the connection closed at once: keys whose replies never
/// came are then counted as unconfirmed. Any stop part-way throws a <see cref="RestoreInterruptedException"/> with the
/// counts so far.
/// </summary>
internal sealed class KeyWritePipeline : IDisposable
{
    private const int BatchSize = 512;

    /// <summary>A batch also ends once its records hold this many items (or DUMP bytes / 32), so big keys keep memory bounded.</summary>
    private const int BatchWeight = 40_000;
    private const int FlushBytes = 1 << 20;
    private const int MaxFailuresKept = 1000;

    private readonly RedisConnection _conn;
    private readonly CompactLimits? _compact;
    private readonly bool _logicalPayloads;
    private readonly TargetDatabases _databases;
    private readonly RestoreOptions _options;
    private readonly TimeProvider _clock;
    private readonly string _activity;
    private readonly IProgress<OperationProgress>? _progress;
    private readonly Channel<Op> _ops = Channel.CreateBounded<Op>(new BoundedChannelOptions(200_000) { SingleReader = true, SingleWriter = true });
    private readonly List<KeyRecord> _batch = new(BatchSize);
    private readonly HashSet<int> _flushed = [];
    private readonly List<KeyFailure> _failures = [];
    private readonly List<KeyWarning> _warnings = [];
    private readonly bool _fieldTtls;

    /// <summary>Commands written into the connection's buffer whose ops are not queued for the reader yet (FIFO, as sent).</summary>
    private readonly Queue<Op> _pendingOps = new();

    /// <summary>Stop writing: the caller's cancellation, fail-fast. The connection stays open so replies still due are read.</summary>
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Close the connection: the reader failed, the grace period after a stop ran out, or the end.</summary>
    private readonly CancellationTokenSource _abort = new();

    /// <summary>The writer's waits end on either.</summary>
    private readonly CancellationTokenSource _writing;
    private CancellationTokenRegistration _callerStop;
    private readonly TimeSpan _stopGrace;
    private readonly Task _readerTask;
    private int _writeDb = -1;
    private long _batchWeight;
    private KeyState? _current;
    private volatile KeyState? _lastWritten;
    private volatile Exception? _readerError;
    private volatile RedisBackupException? _failFastError;
    private volatile bool _incompleteRemoved;

    // Counted by the writer (never written) and by the reader (written), then summed.
    private long _skipped, _expired, _failedEarly;
    private long _restored, _skippedBusy, _failed;
    private long _fieldTtlsKept, _fieldTtlsLost, _fieldsExpired, _expiredLate, _fieldsExpiredEarly, _warned;
    private long _replayed, _detailsNotKept;
    private long _lastReport;

    /// <param name="compact">The target's compact-encoding limits, for RESTORE payloads it loads as they are; null for plain types only.</param>
    /// <param name="databases">The target's databases, read before the pipeline starts (see <see cref="TargetDatabases"/>).</param>
    /// <param name="logicalPayloads">Send whole logical keys as RESTORE payloads (false when the target refuses RESTORE: typed writes).</param>
    /// <param name="fieldTtls">The target has hash field expiration (Redis 7.4+, Valkey 9): field TTLs are set, not counted as lost.</param>
    public KeyWritePipeline(RedisConnection connection, RestoreOptions options, TargetDatabases databases, string activity, IProgress<OperationProgress>? progress, CancellationToken ct,
        CompactLimits? compact = null, bool logicalPayloads = true, bool fieldTtls = false)
    {
        _logicalPayloads = logicalPayloads;
        _databases = databases;
        _fieldTtls = fieldTtls;
        _compact = compact;
        _conn = connection;
        _options = options;
        _clock = options.Clock ?? TimeProvider.System;
        _activity = activity;
        _progress = progress;
        var timeout = connection.Endpoint.CommandTimeout;
        _stopGrace = timeout > TimeSpan.Zero && timeout < MaxStopGrace ? timeout : MaxStopGrace;
        _writing = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, _abort.Token);
        // The replies are read on a thread of their own with blocking socket reads: no thread-pool hop per read.
        _readerTask = Task.Factory.StartNew(() => ReadReplies(_abort.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _callerStop = ct.UnsafeRegister(static p => ((KeyWritePipeline)p!).RequestStop(), this);
    }

    /// <summary>After a stop, how long at most the replies of commands already sent are awaited before the connection is closed.</summary>
    private static readonly TimeSpan MaxStopGrace = TimeSpan.FromSeconds(10);

    /// <summary>Stops the writer at its next record boundary; the replies already due are read within the grace period.</summary>
    private void RequestStop()
    {
        try
        {
            _stop.Cancel();
            _abort.CancelAfter(_stopGrace);
        }
        catch (ObjectDisposedException)
        {
            // The pipeline already finished.
        }
    }

    /// <summary>Keys seen so far (each counted once, at its last record).</summary>
    public long Total { get; private set; }

    /// <summary>Rough total for progress reports, when known.</summary>
    public long? ExpectedTotal { get; set; }

    /// <summary>How streams written logically (<see cref="KeyRecord.Stream"/>) are rebuilt on this target.</summary>
    public StreamReplay Streams { get; init; } = StreamReplay.Modern;

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

    /// <summary>
    /// Writes every record of <paramref name="source"/>, read ahead of the writer by a <see cref="RecordPrefetcher"/>
    /// (which also runs <see cref="Prepare"/>), and returns the counts. A stop part-way (see the class summary) throws a
    /// <see cref="RestoreInterruptedException"/> whose cause is, in this order: the connection's failure, the fail-fast
    /// key, the writer's own failure (a damaged record, a database the target lacks), the caller's cancellation.
    /// </summary>
    public async Task<RestoreResult> WriteAllAsync(Func<CancellationToken, ValueTask<KeyRecord?>> source, CancellationToken ct)
    {
        Exception? writerError = null;
        var token = _writing.Token;
        try
        {
            await RecordPrefetcher.RunAsync(source, Prepare, AddAsync, token).ConfigureAwait(false);
            await ProcessBatchAsync(token).ConfigureAwait(false);
            if (_current is not null)
                throw new RedisBackupException(ErrorKind.InvalidData, "BackupTruncated", "BackupTruncated: the backup ends inside a big key (its last chunk is missing).");
        }
        catch (Exception ex)
        {
            writerError = ex;
        }
        var finishError = await FinishAsync(removeIncomplete: writerError is not null).ConfigureAwait(false);
        Report(force: true);

        var cause = StopCause(writerError, finishError, ct);
        var result = Counts(cause is null);
        if (cause is null) return result;
        throw new RestoreInterruptedException(result, cause);
    }

    /// <summary>Why the pipeline stopped part-way, or null when it wrote everything.</summary>
    private Exception? StopCause(Exception? writerError, Exception? finishError, CancellationToken ct)
    {
        static bool Real(Exception? e) => e is not null and not OperationCanceledException;
        var reader = _readerError;
        // "No longer usable after an earlier failure": the earlier failure, seen by the writer, says more.
        if (reader is RedisBackupException { ErrorId: "RedisConnectionBroken" } && Real(writerError)) reader = null;
        if (reader is not null) return reader;
        if (_failFastError is { } failFast) return failFast;
        if (Real(writerError)) return writerError;
        if (Real(finishError)) return finishError;
        if (ct.IsCancellationRequested || writerError is not null || finishError is not null) return new OperationCanceledException(ct);
        return null;
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

    /// <summary>
    /// Ends the pipeline: unless the connection is already closed, queues the ops of commands still in the buffer, deletes
    /// a big key the stop cut off (when <paramref name="removeIncomplete"/>), sends everything and lets the reader read
    /// every reply still due; then closes the reading side. Returns an error of this step itself (a failed send).
    /// </summary>
    private async Task<Exception?> FinishAsync(bool removeIncomplete)
    {
        Exception? error = null;
        try
        {
            if (!_abort.IsCancellationRequested)
            {
                if (removeIncomplete && _open is { } cut && _writeDb == cut.Db)
                {
                    // A big key cut off part-way is not left behind as a smaller value that looks whole.
                    _conn.WriteCommand("DEL", cut.Key);
                    _pendingOps.Enqueue(new Op(OpKind.Cleanup, cut));
                }
                while (_pendingOps.TryDequeue(out var op)) await EnqueueAsync(op, _abort.Token).ConfigureAwait(false);
                _ops.Writer.TryComplete();
                _conn.Flush(_abort.Token);
            }
            _ops.Writer.TryComplete();
            await _readerTask.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex; // the reader's own error is kept in _readerError
        }
        finally
        {
            _ops.Writer.TryComplete();
            await _callerStop.DisposeAsync().ConfigureAwait(false);
            await _abort.CancelAsync().ConfigureAwait(false);
            try { await _readerTask.ConfigureAwait(false); } catch (Exception) when (_readerTask.IsCompleted) { /* kept in _readerError */ }
        }
        return error;
    }

    /// <summary>Ends the reading side if <see cref="WriteAllAsync"/> never ran, and releases the cancellation sources.</summary>
    public void Dispose()
    {
        _ops.Writer.TryComplete();
        _callerStop.Dispose();
        if (!_abort.IsCancellationRequested) _abort.Cancel();
        try { _readerTask.Wait(); } catch (AggregateException) when (_readerTask.IsCompleted) { /* kept in _readerError */ }
        _writing.Dispose();
        _stop.Dispose();
        _abort.Dispose();
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
                if (_current is not null) throw new RedisBackupException(ErrorKind.InvalidData, "BackupCorrupt", "BackupCorrupt: a new key starts before the last chunk of a big key.");
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
                    throw new RedisBackupException(ErrorKind.InvalidData, "BackupCorrupt", "BackupCorrupt: a chunk record does not follow the first record of its key.");
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
                    if (r.Type == "hash" && !state.IsRestore && state.FieldsWritten == 0 && state.ExpiredFields > 0) state.AllFieldsExpired = true;
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
        if (r.IsFirst && _options.ExistingKeys == ExistingKeyPolicy.Replace && !(r.Type == "string" && r.IsLast))
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
        else if (items.Count > 0 || r.Type == "string")
        {
            var args = new RedisArg[2 + items.Count];
            args[1] = r.Key;
            switch (r.Type)
            {
                case "string":
                    if (items.Count != 1) { Fail(state, "a string record without exactly one value"); return; }
                    args[0] = r.IsFirst ? "SET" : "APPEND";
                    args[2] = items[0];
                    break;
                case "hash":
                    args[0] = "HSET";
                    for (var i = 0; i < items.Count; i++) args[2 + i] = items[i];
                    state.FieldsWritten += items.Count / 2;
                    break;
                case "list":
                    args[0] = "RPUSH";
                    for (var i = 0; i < items.Count; i++) args[2 + i] = items[i];
                    break;
                case "set":
                    args[0] = "SADD";
                    for (var i = 0; i < items.Count; i++) args[2 + i] = items[i];
                    break;
                case "zset":
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
        => r.IsFirst && r.IsLast && r.Type == "hash" && r.Dump is null && r.Items.Count == 0 && r.ExpiredFields > 0;

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
                            throw new RedisBackupException(ErrorKind.ServerError, "RestoreCommandFailed", $"{op.What} of database {op.Db} failed on {_conn.Endpoint}: {text}", _conn.Endpoint.ToString());
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
                    ? $"{Format(lost)} hash field TTLs not kept: the target has no hash field expiration (Redis 7.4+ or Valkey 9 needed); the fields were restored without them"
                    : $"{Format(lost)} hash field TTLs not kept: the target did not set them (its field was missing)");
            }
            if (state.Losses is not null || state.ServerLosses is not null)
            {
                var details = new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (var loss in state.Losses ?? []) details[loss.What] = details.GetValueOrDefault(loss.What) + loss.Count;
                foreach (var (what, count) in state.ServerLosses ?? []) details[what] = details.GetValueOrDefault(what) + count;
                foreach (var (what, count) in details)
                {
                    Interlocked.Add(ref _detailsNotKept, count);
                    reasons.Add($"{Format(count)} {what} not kept");
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

    /// <summary>
    /// Fail-fast: the first failed key (a refused write, or a key the writer could not send, such as a module value the
    /// target cannot take) stops the writer at its next record boundary; the replies already due are still read.
    /// </summary>
    private void StopForFailFast(KeyState state)
    {
        var error = new RedisBackupException(ErrorKind.ServerError, "RestoreKeyFailed",
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

    private void Report(bool force)
    {
        if (_progress is null) return;
        var done = Total;
        if (!force && done - _lastReport < 5000) return;
        _lastReport = done;
        _progress.Report(new OperationProgress
        {
            Activity = _activity,
            Status = ExpectedTotal is { } t ? $"{done} of {t} keys" : $"{done} keys",
            Done = done,
            Total = ExpectedTotal,
        });
    }

    /// <summary>A key for messages: its text when it is valid UTF-8, otherwise "base64:…".</summary>
    internal static string Describe(byte[] key)
        => System.Text.Unicode.Utf8.IsValid(key) ? Encoding.UTF8.GetString(key) : "base64:" + Convert.ToBase64String(key);

    private enum OpKind { Control, Exists, Write, Cleanup }

    private enum Outcome { None, Expired, Skipped, Failed }

    private sealed class Op(OpKind kind, KeyState? state)
    {
        public OpKind Kind { get; } = kind;
        public KeyState? State { get; } = state;
        public bool Final { get; set; }
        public bool SetsFieldTtls { get; set; }

        /// <summary>The reply must be an array of this many items (XCLAIM … JUSTID); fewer are counted as <see cref="LossWhat"/>.</summary>
        public int ExpectedItems { get; set; }
        public string? LossWhat { get; set; }
        public string? What { get; init; }
        public int Db { get; init; }
        public TaskCompletionSource? Signal { get; set; }
    }

    private sealed class KeyState(int db, byte[] key)
    {
        public int Db { get; } = db;
        public byte[] Key { get; } = key;
        public Outcome Dropped { get; set; }
        public volatile bool Exists;
        public bool IsRestore { get; set; }
        public bool Busy { get; set; }
        public int Ops { get; set; }
        public Op? LastOp { get; set; }
        public string? Failure { get; set; }
        public long? ExpireAtMs { get; set; }
        public long? TtlMs { get; set; }

        // Hash field TTLs: counted by the writer (the first three) and by the reply reader (the "ByServer" ones).
        public int ExpiredFields { get; set; }
        public long FieldsWritten { get; set; }
        public long KeptFieldTtls { get; set; }
        public long LostFieldTtls { get; set; }
        public bool AllFieldsExpired { get; set; }
        public long KeptByServer { get; set; }
        public long ExpiredByServer { get; set; }
        public long NotSetByServer { get; set; }

        /// <summary>Written logically from a decoded payload or RDB value (counted in <see cref="RestoreResult.Replayed"/>).</summary>
        public bool Replayed { get; set; }

        /// <summary>What the records said cannot be kept (added by the writer before the key's last command).</summary>
        public List<ValueLoss>? Losses { get; set; }

        /// <summary>What the server did not keep, by what (added by the reply reader).</summary>
        public Dictionary<string, long>? ServerLosses { get; set; }
    }

    internal static string Format(long v) => v.ToString(CultureInfo.InvariantCulture);
}
