using System.Globalization;
using System.Text;
using System.Threading.Channels;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Operations;
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
/// </summary>
internal sealed class KeyWritePipeline
{
    private const int BatchSize = 512;

    /// <summary>A batch also ends once its records hold this many items (or DUMP bytes / 32), so big keys keep memory bounded.</summary>
    private const int BatchWeight = 40_000;
    private const int FlushBytes = 1 << 20;
    private const int MaxFailuresKept = 1000;

    private readonly RedisConnection _conn;
    private readonly CompactLimits? _compact;
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
    private readonly CancellationTokenSource _cts;
    private readonly Task _readerTask;
    private int _writeDb = -1;
    private long _batchWeight;
    private KeyState? _current;

    // Counted by the writer (never written) and by the reader (written), then summed.
    private long _skipped, _expired, _failedEarly;
    private long _restored, _skippedBusy, _failed;
    private long _fieldTtlsKept, _fieldTtlsLost, _fieldsExpired, _expiredLate, _fieldsExpiredEarly, _warned;
    private long _lastReport;

    /// <param name="compact">The target's compact-encoding limits, for RESTORE payloads it loads as they are; null for plain types only.</param>
    /// <param name="fieldTtls">The target has hash field expiration (Redis 7.4+, Valkey 9): field TTLs are set, not counted as lost.</param>
    public KeyWritePipeline(RedisConnection connection, RestoreOptions options, string activity, IProgress<OperationProgress>? progress, CancellationToken ct, CompactLimits? compact = null, bool fieldTtls = false)
    {
        _fieldTtls = fieldTtls;
        _compact = compact;
        _conn = connection;
        _options = options;
        _clock = options.Clock ?? TimeProvider.System;
        _activity = activity;
        _progress = progress;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // The replies are read on a thread of their own with blocking socket reads: no thread-pool hop per read.
        _readerTask = Task.Factory.StartNew(() => ReadReplies(_cts.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Keys seen so far (each counted once, at its last record).</summary>
    public long Total { get; private set; }

    /// <summary>Rough total for progress reports, when known.</summary>
    public long? ExpectedTotal { get; set; }

    /// <summary>
    /// A whole logical key goes as one RESTORE of a payload built from its items (skip rides on BUSYKEY); a record for
    /// which no payload can be built is written with typed commands. Pure work on the record, run once per record on the
    /// reading side of <see cref="WriteAllAsync"/>.
    /// </summary>
    private void Prepare(KeyRecord record)
    {
        if (record.FieldExpireAt is not null) FieldExpiry.DropExpired(record, _options.Ttl, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        if (record.Dump is not null || !record.IsFirst || !record.IsLast) return;
        if (record.FieldExpireAt is null || !_fieldTtls)
            record.Dump = LogicalPayload.TryCreate(record, _compact); // without hash field expiration the fields go without their TTLs (counted)
        else if (_options.Ttl == TtlMode.Absolute)
            record.Dump = LogicalPayload.TryCreateWithFieldExpiry(record, _compact); // null: HSET + HPEXPIREAT
    }

    /// <summary>
    /// Writes every record of <paramref name="source"/>, read ahead of the writer by a <see cref="RecordPrefetcher"/>
    /// (which also runs <see cref="Prepare"/>), and returns the counts. On a failure it stops the reading side and the
    /// reply reader; when the reply reader's own error (fail-fast, a lost connection) caused the writer's cancellation,
    /// that error is the one thrown.
    /// </summary>
    public async Task<RestoreResult> WriteAllAsync(Func<CancellationToken, ValueTask<KeyRecord?>> source, CancellationToken ct)
    {
        var records = new RecordPrefetcher(source, Prepare, ct);
        try
        {
            while (await records.ReadNextAsync(ct).ConfigureAwait(false) is { } record)
                await AddAsync(record, ct).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await records.DisposeAsync().ConfigureAwait(false);
            var readerError = await AbortAsync().ConfigureAwait(false);
            if (readerError is not null && ex is OperationCanceledException && !ct.IsCancellationRequested)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(readerError);
            throw;
        }
        await records.DisposeAsync().ConfigureAwait(false);
        return await CompleteAsync().ConfigureAwait(false);
    }

    private async ValueTask AddAsync(KeyRecord record, CancellationToken ct)
    {
        _batch.Add(record);
        _batchWeight += 1 + record.Items.Count + (record.Dump?.Length ?? 0) / 32;
        if (_batch.Count >= BatchSize || _batchWeight >= BatchWeight) await ProcessBatchAsync().ConfigureAwait(false);
    }

    private async Task<RestoreResult> CompleteAsync()
    {
        try
        {
            await ProcessBatchAsync().ConfigureAwait(false);
            if (_current is not null)
                throw new RedisBackupException(ErrorKind.InvalidData, "BackupTruncated", "BackupTruncated: the backup ends inside a big key (its last chunk is missing).");
            _ops.Writer.Complete();
            _conn.Flush(_cts.Token);
            await _readerTask.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_readerError is not null)
        {
            // The reader's error (fail-fast, connection lost) explains the cancellation.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_readerError);
        }
        finally
        {
            _ops.Writer.TryComplete();
            await _cts.CancelAsync().ConfigureAwait(false);
            try { await _readerTask.ConfigureAwait(false); } catch (Exception) when (_readerTask.IsCompleted) { /* reported above or by the caller's own failure */ }
            _cts.Dispose();
        }
        Report(force: true);
        return new RestoreResult
        {
            Restored = _restored,
            Skipped = _skipped + _skippedBusy,
            Expired = _expired + _expiredLate,
            Failed = _failed + _failedEarly,
            Total = Total,
            Failures = _failures.ToArray(),
            FieldTtlsKept = _fieldTtlsKept,
            FieldTtlsLost = _fieldTtlsLost,
            FieldsExpired = _fieldsExpired + _fieldsExpiredEarly,
            KeysWithWarnings = _warned,
            Warnings = _warnings.ToArray(),
        };
    }

    /// <summary>
    /// Stops the reader after a failure on the writing side. Returns the reader's own error (fail-fast, a lost
    /// connection) when it failed first, since that explains the writer's cancellation.
    /// </summary>
    private async Task<Exception?> AbortAsync()
    {
        _ops.Writer.TryComplete();
        await _cts.CancelAsync().ConfigureAwait(false);
        try { await _readerTask.ConfigureAwait(false); } catch (Exception) when (_readerTask.IsCompleted) { /* kept in _readerError when it came first */ }
        _cts.Dispose();
        return _readerError;
    }

    private async Task ProcessBatchAsync()
    {
        if (_batch.Count == 0) return;
        var ct = _cts.Token;
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
                if (ExpiredAtRestore(r, now) || AllFieldsExpired(r)) state.Dropped = Outcome.Expired;
                else if (r.Dump is null && _options.ExistingKeys == ExistingKeyPolicy.Skip)
                {
                    await EnsureDbAsync(state.Db, ct).ConfigureAwait(false);
                    _conn.WriteCommand("EXISTS", r.Key);
                    lastExists = new Op(OpKind.Exists, state);
                    await EnqueueAsync(lastExists, ct).ConfigureAwait(false);
                }
                states[i] = state;
                _current = r.More ? state : null;
            }
            else
            {
                if (_current is null || !_current.Key.AsSpan().SequenceEqual(r.Key))
                    throw new RedisBackupException(ErrorKind.InvalidData, "BackupCorrupt", "BackupCorrupt: a chunk record does not follow the first record of its key.");
                _current.ExpiredFields += r.ExpiredFields;
                states[i] = _current;
                if (!r.More) _current = null;
            }
        }
        if (lastExists is not null)
        {
            lastExists.Signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _conn.Flush(ct);
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
            await DrainPendingOpsAsync(ct).ConfigureAwait(false);
            if (_conn.PendingBytes >= FlushBytes) _conn.Flush(ct);
        }
        _batch.Clear();
        _batchWeight = 0;
        _conn.Flush(ct);
        Report(force: false);
    }

    private readonly List<Op> _pendingOps = [];

    private void Stage(RedisArg[] command, KeyState state)
    {
        _conn.WriteCommand(command);
        var op = new Op(OpKind.Write, state);
        state.Ops++;
        state.LastOp = op;
        _pendingOps.Add(op);
    }

    private async ValueTask DrainPendingOpsAsync(CancellationToken ct)
    {
        foreach (var op in _pendingOps) await EnqueueAsync(op, ct).ConfigureAwait(false);
        _pendingOps.Clear();
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
        if (items.Count > 0 || r.Type == "string")
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
                break;
        }
    }

    private async ValueTask EnsureDbAsync(int db, CancellationToken ct)
    {
        if (_writeDb != db)
        {
            _conn.WriteCommand("SELECT", db);
            await EnqueueAsync(new Op(OpKind.Control, null) { What = $"SELECT {db}" }, ct).ConfigureAwait(false);
            _writeDb = db;
        }
        if (_options.ExistingKeys == ExistingKeyPolicy.Flush && _flushed.Add(db))
        {
            _conn.WriteCommand("FLUSHDB");
            await EnqueueAsync(new Op(OpKind.Control, null) { What = $"FLUSHDB of database {db}" }, ct).ConfigureAwait(false);
        }
    }

    private async ValueTask EnqueueAsync(Op op, CancellationToken ct)
    {
        if (_ops.Writer.TryWrite(op)) return;
        _conn.Flush(ct); // the reader can only make room once these are sent
        await _ops.Writer.WriteAsync(op, ct).ConfigureAwait(false);
    }

    private void ReadReplies(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                if (!_ops.Reader.TryRead(out var op))
                {
                    if (!_ops.Reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult()) break;
                    continue;
                }
                var reply = _conn.ReadReply(ct);
                switch (op.Kind)
                {
                    case OpKind.Control:
                        if (reply.IsError)
                        {
                            var classified = RedisServerException.FromReply(reply.AsString()!, op.What);
                            if (classified.Kind != ErrorKind.ServerError) throw classified; // NOAUTH, WRONGPASS, NOPERM
                            throw new RedisBackupException(ErrorKind.ServerError, "RestoreCommandFailed", $"{op.What} failed on {_conn.Endpoint}: {reply.AsString()}", _conn.Endpoint.ToString());
                        }
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
                        if (op.Final) Account(state);
                        break;
                    }
                }
            }
        }
        catch (Exception ex)
        {
            if (ex is not OperationCanceledException) _readerError = ex;
            _cts.Cancel();
            throw;
        }
    }

    private volatile Exception? _readerError;

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

    private void Account(KeyState state)
    {
        if (state.Failure is null && !state.Busy)
        {
            Interlocked.Add(ref _fieldTtlsKept, state.KeptFieldTtls + state.KeptByServer);
            Interlocked.Add(ref _fieldsExpired, state.ExpiredFields + state.ExpiredByServer);
            var lost = state.LostFieldTtls + state.NotSetByServer;
            if (lost > 0)
            {
                Interlocked.Add(ref _fieldTtlsLost, lost);
                RecordWarning(state, state.NotSetByServer == 0
                    ? $"{Format(lost)} hash field TTLs not kept: the target has no hash field expiration (Redis 7.4+ or Valkey 9 needed); the fields were restored without them"
                    : $"{Format(lost)} hash field TTLs not kept: the target did not set them (its field was missing)");
            }
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
            if (_options.FailFast)
                throw new RedisBackupException(ErrorKind.ServerError, "RestoreKeyFailed",
                    $"Key '{Describe(state.Key)}' in database {state.Db} could not be restored: {state.Failure}. Stopped there because fail-fast was asked for; {Interlocked.Read(ref _restored)} keys were restored before it.",
                    _conn.Endpoint.ToString());
        }
        else if (state.Busy) Interlocked.Increment(ref _skippedBusy);
        else Interlocked.Increment(ref _restored);
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

    private enum OpKind { Control, Exists, Write }

    private enum Outcome { None, Expired, Skipped, Failed }

    private sealed class Op(OpKind kind, KeyState? state)
    {
        public OpKind Kind { get; } = kind;
        public KeyState? State { get; } = state;
        public bool Final { get; set; }
        public bool SetsFieldTtls { get; set; }
        public string? What { get; init; }
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
    }

    internal static string Format(long v) => v.ToString(CultureInfo.InvariantCulture);
}
