using System.Net.Sockets;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Redis;

// Asynchronous I/O, under a timer for the command timeout. On a blocking connection (IsBlocking) these complete
// synchronously: see the class summary.
internal sealed partial class RedisConnection
{
    /// <summary>Sends what is buffered by <see cref="WriteCommand(RedisArg[])"/>.</summary>
    /// <remarks>On a blocking connection (<see cref="IsBlocking"/>) this completes synchronously: it blocks the calling thread (see the class summary).</remarks>
    public async ValueTask FlushAsync(CancellationToken ct = default)
    {
        if (IsBlocking)
        {
            Flush(ct);
            return;
        }
        EnsureUsable();
        try
        {
            await _writer.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw ConnectionLost("sending", ex);
        }
    }

    /// <summary>Reads the next reply. Error replies are returned, not thrown.</summary>
    /// <remarks>On a blocking connection (<see cref="IsBlocking"/>) this completes synchronously: it blocks the calling thread (see the class summary).</remarks>
    public ValueTask<RespValue> ReadReplyAsync(CancellationToken ct = default)
    {
        if (IsBlocking) return ValueTask.FromResult(ReadReply(ct));
        EnsureUsable();
        // Fast path: the reply is already buffered, so nothing can time out and no timer is armed.
        try
        {
            if (_reader.TryReadBuffered(out var buffered))
            {
                _answered = true;
                return ValueTask.FromResult(buffered);
            }
        }
        catch (RedisBackupException)
        {
            _broken = true;
            throw;
        }
        return ReadReplyFromSocketAsync(ct);
    }

    /// <summary>Reads a reply that needs bytes from the socket, under the command timeout.</summary>
    private async ValueTask<RespValue> ReadReplyFromSocketAsync(CancellationToken ct)
    {
        CancellationTokenSource? timeout = null;
        var token = ct;
        if (Endpoint.CommandTimeout > TimeSpan.Zero)
        {
            timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Endpoint.CommandTimeout);
            token = timeout.Token;
        }
        try
        {
            var reply = await _reader.ReadAsync(token).ConfigureAwait(false);
            _answered = true;
            return reply;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw ReplyTimedOut();
        }
        catch (OperationCanceledException)
        {
            _broken = true;
            throw;
        }
        catch (RedisBackupException)
        {
            _broken = true;
            throw;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw ConnectionLost("reading", ex);
        }
        finally
        {
            timeout?.Dispose();
        }
    }

    /// <summary>Sends one command and returns its reply; an error reply is thrown as <see cref="RedisServerException"/>.</summary>
    /// <remarks>On a blocking connection (<see cref="IsBlocking"/>) this completes synchronously: it blocks the calling thread (see the class summary).</remarks>
    public async Task<RespValue> ExecuteAsync(CancellationToken ct, params RedisArg[] args)
    {
        var reply = await ExecuteRawAsync(args, ct).ConfigureAwait(false);
        if (reply.IsError) throw RedisServerException.FromReply(reply.AsString()!, CommandName(args));
        return reply;
    }

    /// <summary>Sends one command and returns its reply, error replies included.</summary>
    /// <remarks>On a blocking connection (<see cref="IsBlocking"/>) this completes synchronously: it blocks the calling thread (see the class summary).</remarks>
    public async Task<RespValue> ExecuteRawAsync(RedisArg[] args, CancellationToken ct = default)
    {
        WriteCommand(args);
        await FlushAsync(ct).ConfigureAwait(false);
        return await ReadReplyAsync(ct).ConfigureAwait(false);
    }
}
