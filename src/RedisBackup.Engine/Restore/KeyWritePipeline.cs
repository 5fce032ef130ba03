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
internal sealed partial class KeyWritePipeline : IDisposable
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
    /// <summary>
    /// The ops of commands sent, for the reply reader in order. Not a <see cref="IO.BoundedPipeline"/> (the records are read
    /// ahead through one, see <see cref="RecordPrefetcher"/>): when the writing side fails here the reading side must not be
    /// cancelled but must read every reply still due, so the counts stay exact; only the connection's failure or the
    /// grace period after a stop (<see cref="_abort"/>) ends it at once.
    /// </summary>
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

    /// <summary>How streams written logically (<see cref="KeyRecord.Stream"/>) are rebuilt on this target.</summary>
    public StreamReplay Streams { get; init; } = StreamReplay.Modern;

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
                throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupTruncated, "BackupTruncated: the backup ends inside a big key (its last chunk is missing).");
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
        if (reader is RedisBackupException { ErrorId: ErrorIds.RedisConnectionBroken } && Real(writerError)) reader = null;
        if (reader is not null) return reader;
        if (_failFastError is { } failFast) return failFast;
        if (Real(writerError)) return writerError;
        if (Real(finishError)) return finishError;
        if (ct.IsCancellationRequested || writerError is not null || finishError is not null) return new OperationCanceledException(ct);
        return null;
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
}
