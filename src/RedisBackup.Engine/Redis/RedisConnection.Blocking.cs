using System.Net.Sockets;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Redis;

// Blocking I/O, for a caller on a thread of its own: the socket's timeout is the command timeout, and cancelling
// closes the socket so that a blocked call ends.
internal sealed partial class RedisConnection
{
    /// <summary>Sends what is buffered with blocking writes (for a caller on a dedicated thread, with <see cref="ReadReply"/>).</summary>
    public void Flush(CancellationToken ct = default)
    {
        EnsureUsable();
        ct.ThrowIfCancellationRequested();
        try
        {
            using (ct.CanBeCanceled ? ct.UnsafeRegister(static c => ((RedisConnection)c!)._socket.Dispose(), this) : default)
                _writer.Flush();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            _broken = true;
            ct.ThrowIfCancellationRequested();
            throw ConnectionLost("sending", ex);
        }
    }

    /// <summary>Blocking <see cref="ExecuteAsync(CancellationToken, RedisArg[])"/>: one command, its reply; an error reply is thrown.</summary>
    public RespValue Execute(CancellationToken ct, params RedisArg[] args)
    {
        WriteCommand(args);
        Flush(ct);
        var reply = ReadReply(ct);
        if (reply.IsError) throw RedisServerException.FromReply(reply.AsString()!, CommandName(args));
        return reply;
    }

    /// <summary>
    /// Reads the next reply, blocking the calling thread while the socket has nothing (for a reader on a dedicated
    /// thread). The command timeout applies to each socket read. Cancelling <paramref name="ct"/> closes the connection
    /// so that a blocked read ends; it then throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public RespValue ReadReply(CancellationToken ct = default)
    {
        EnsureUsable();
        ct.ThrowIfCancellationRequested();
        try
        {
            RespValue reply;
            if (!_reader.TryReadBuffered(out reply))
            {
                using (ct.CanBeCanceled ? ct.UnsafeRegister(static c => ((RedisConnection)c!)._socket.Dispose(), this) : default)
                    reply = _reader.Read();
            }
            _answered = true;
            return reply;
        }
        catch (RedisBackupException)
        {
            _broken = true;
            ct.ThrowIfCancellationRequested();
            throw;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw ReadFailed(ex, ct);
        }
    }

    /// <summary>
    /// When the next reply is a bulk string longer than <paramref name="limit"/> bytes, reads it and drops it, blocking
    /// like <see cref="ReadReply"/>, and returns its length: the caller learns the size of a value without holding it
    /// (a DUMP payload too big to keep in memory). Otherwise consumes nothing and returns -1.
    /// </summary>
    public long SkipBulkIfLonger(long limit, CancellationToken ct = default)
    {
        EnsureUsable();
        ct.ThrowIfCancellationRequested();
        try
        {
            using (ct.CanBeCanceled ? ct.UnsafeRegister(static c => ((RedisConnection)c!)._socket.Dispose(), this) : default)
                return _reader.SkipBulkIfLonger(limit);
        }
        catch (RedisBackupException)
        {
            _broken = true;
            ct.ThrowIfCancellationRequested();
            throw;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw ReadFailed(ex, ct);
        }
    }

    /// <summary>A blocking read failed on the socket: the connection is unusable; the error says whether it timed out or was lost.</summary>
    private RedisBackupException ReadFailed(Exception ex, CancellationToken ct)
    {
        _broken = true;
        ct.ThrowIfCancellationRequested();
        if ((ex as SocketException ?? ex.InnerException as SocketException)?.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            return ReplyTimedOut();
        return ConnectionLost("reading", ex);
    }
}
