using System.Globalization;
using System.Net.Sockets;
using System.Text;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Redis;

/// <summary>
/// One RESP2 connection to one server: TCP or TLS, AUTH and SELECT on open, timeouts, pipelining.
///
/// Pipelining: call <see cref="WriteCommand(RedisArg[])"/> any number of times (it only buffers), then
/// <see cref="FlushAsync"/>, then <see cref="ReadReplyAsync"/> once per command, in order. One task may write while
/// another reads (one writer, one reader at a time). <see cref="ExecuteAsync(CancellationToken, RedisArg[])"/> is write + flush + read for one command.
/// Error replies are returned as values by <see cref="ReadReplyAsync"/> (so one failed key does not break a pipeline)
/// and thrown by <see cref="ExecuteAsync(CancellationToken, RedisArg[])"/>.
///
/// Two I/O modes, fixed when the connection opens. <see cref="ConnectAsync"/>: the asynchronous methods wait without
/// holding a thread, under a timer for the command timeout. <see cref="ConnectBlocking"/> (<see cref="IsBlocking"/>):
/// for bulk transfers on threads of their own, which call the blocking methods (<see cref="Flush"/>,
/// <see cref="ReadReply"/>, <see cref="Execute"/>, <see cref="SkipBulkIfLonger"/>) with the socket's timeout as the
/// command timeout. On a blocking connection the asynchronous methods (<see cref="FlushAsync"/>,
/// <see cref="ReadReplyAsync"/>, <see cref="ExecuteAsync(CancellationToken, RedisArg[])"/>, <see cref="ExecuteRawAsync"/>
/// and those built on them) complete synchronously: they block the calling thread for the round trip and return a
/// finished task. Callers that rely on this: <see cref="ConnectBlocking"/> (its AUTH and SELECT run through
/// <see cref="ExecuteRawAsync"/>, and it waits for the finished task), and the short setup of the key export, the
/// key-level restore and the RDB replay (INFO, CONFIG GET, FUNCTION DUMP/RESTORE, the permission and database checks),
/// which runs on the caller's path before their bulk work moves to a thread of its own.
/// </summary>
internal sealed partial class RedisConnection : IAsyncDisposable, IDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly RespReader _reader;
    private readonly RespWriter _writer;
    private bool _broken;

    /// <summary>True once the server sent a reply: a connection closed before that gets a hint about TLS (<see cref="ClosedEarlyHint"/>).</summary>
    private bool _answered;

    private RedisConnection(RedisEndpoint endpoint, Socket socket, Stream stream, bool blocking)
    {
        Endpoint = endpoint;
        _socket = socket;
        IsBlocking = blocking;
        // Applies to blocking reads and writes only (ReadReply, Flush); the asynchronous ones arm their own timer. 0 = none.
        socket.ReceiveTimeout = socket.SendTimeout = endpoint.CommandTimeout > TimeSpan.Zero
            ? (int)Math.Min(int.MaxValue, Math.Ceiling(endpoint.CommandTimeout.TotalMilliseconds))
            : 0;
        _stream = stream;
        _reader = new RespReader(stream);
        _writer = new RespWriter(stream);
        Database = 0;
    }

    public RedisEndpoint Endpoint { get; }

    /// <summary>The database last selected on this connection.</summary>
    public int Database { get; private set; }

    /// <summary>The raw reader, for protocols that leave RESP (the SYNC payload).</summary>
    public RespReader Reader => _reader;

    /// <summary>The raw writer, for inline commands (SYNC).</summary>
    public RespWriter Writer => _writer;

    /// <summary>True when every call blocks (<see cref="ConnectBlocking"/>).</summary>
    public bool IsBlocking { get; }

    /// <summary>SELECT a database (no round trip when already selected).</summary>
    public async Task SelectAsync(int database, CancellationToken ct = default)
    {
        if (database == Database) return;
        await ExecuteAsync(ct, "SELECT", database).ConfigureAwait(false);
        Database = database;
    }

    /// <summary>Buffers one command. Nothing is sent until <see cref="FlushAsync"/>.</summary>
    public void WriteCommand(params RedisArg[] args) => _writer.WriteCommand(args);

    /// <summary>Buffers one command. Nothing is sent until <see cref="FlushAsync"/>.</summary>
    public void WriteCommand(ReadOnlySpan<RedisArg> args) => _writer.WriteCommand(args);

    /// <summary>Bytes buffered by <see cref="WriteCommand(RedisArg[])"/> and not yet sent.</summary>
    public long PendingBytes => _writer.Pending;

    /// <summary>
    /// Records that the following replies will be read with <see cref="Database"/> = <paramref name="database"/>:
    /// use after pipelining a SELECT yourself.
    /// </summary>
    public void AssumeDatabase(int database) => Database = database;

    /// <summary>
    /// The one error for a connection lost while <paramref name="doing"/> ("sending", "reading"), with the hint for a
    /// server that closed it before its first reply. Marks this connection unusable.
    /// </summary>
    private RedisBackupException ConnectionLost(string doing, Exception ex)
    {
        _broken = true;
        return new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.RedisConnectionLost,
            $"The connection to {Endpoint.Address} was lost while {doing}: {ex.Message}{ClosedEarlyHint()}", Endpoint.ToString(), ex);
    }

    /// <summary>The one error for a reply that did not come within the command timeout. Marks this connection unusable.</summary>
    private RedisBackupException ReplyTimedOut()
    {
        _broken = true;
        return new RedisBackupException(ErrorKind.Timeout, ErrorIds.RedisTimeout,
            $"Redis at {Endpoint.Address} did not reply within {Endpoint.CommandTimeout.TotalSeconds:0.#} s.", Endpoint.ToString());
    }

    /// <summary>
    /// For a connection the server closed before its first reply: the usual reasons are TLS, which a plain connection to a
    /// TLS port does not speak, and a server that requires a client certificate (it closes a TLS 1.3 connection after
    /// the handshake). Empty once the server has answered.
    /// </summary>
    private string ClosedEarlyHint()
    {
        if (_answered) return "";
        if (!Endpoint.UseTls)
            return " The server closed the connection before its first reply: if it expects TLS on this port, connect with TLS (--tls, -UseTls or a rediss:// URI).";
        return Endpoint.TlsClientCertFile is null
            ? " The server closed the TLS connection before its first reply: it may require a client certificate (--tls-cert and --tls-key)."
            : " The server closed the TLS connection before its first reply: it may not accept the client certificate given.";
    }

    private static string? CommandName(RedisArg[] args)
        => args.Length == 0 ? null : Encoding.UTF8.GetString(args[0].Bytes.Span).ToUpperInvariant();

    private void EnsureUsable()
    {
        if (_broken) throw new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.RedisConnectionBroken,
            $"The connection to {Endpoint.Address} is no longer usable after an earlier failure.", Endpoint.ToString());
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }

    internal static string Format(long v) => v.ToString(CultureInfo.InvariantCulture);
}
