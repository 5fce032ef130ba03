using System.Text;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Redis;

internal sealed record ReplicationSnapshotInfo
{
    public long Bytes { get; init; }
    /// <summary>True when the server sent the $EOF:&lt;mark&gt; (diskless) form.</summary>
    public bool Diskless { get; init; }
    public string? ServerVersion { get; init; }
}

/// <summary>
/// Downloads an RDB snapshot over the replication protocol, as <c>redis-cli --rdb</c> does:
/// REPLCONF capa eof, REPLCONF rdb-only 1, then an inline SYNC; handles newline keepalives, the
/// <c>$&lt;len&gt;</c> (disk) and <c>$EOF:&lt;mark&gt;</c> (diskless) forms, and closes the connection when done.
/// </summary>
internal static class ReplicationSnapshot
{
    private const int EofMarkLength = 40;
    private const int ChunkSize = 1 << 20;

    /// <summary>
    /// Runs the whole download on a thread of its own with blocking socket I/O (see
    /// <see cref="RedisConnection.ConnectBlocking"/>): no thread-pool hop and no epoll wait per socket read. Cancellation
    /// closes the connection, which ends a blocked read; the socket timeout (the idle limit) ends a silent one.
    /// </summary>
    public static Task<ReplicationSnapshotInfo> DownloadAsync(RedisEndpoint source, Stream destination, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.Factory.StartNew(() => Download(source, destination, progress, cancellationToken),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private static ReplicationSnapshotInfo Download(RedisEndpoint source, Stream destination, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        var activity = $"Snapshot of {source} over replication";
        // The server may spend a long time saving before the first byte; keepalives arrive every second meanwhile,
        // so an idle limit (not a total limit) is what protects us. It is the socket's own timeout.
        var idle = source.CommandTimeout > TimeSpan.Zero ? source.CommandTimeout : TimeSpan.FromSeconds(60);
        using var connection = RedisConnection.ConnectBlocking(source with { CommandTimeout = idle }, ct);
        using var registration = ct.Register(connection.Dispose);
        try
        {
            string? version = null;
            var info = Execute(connection, ["INFO", "server"]);
            if (!info.IsError) version = RedisConnection.ServerVersionOf(RedisConnection.ParseInfo(info.AsString() ?? ""));

            var capa = Execute(connection, ["REPLCONF", "capa", "eof"]);
            if (capa.IsError) throw Refused(source, capa.AsString()!);
            // rdb-only (6.2+) makes the server close the link after the RDB instead of streaming commands; older servers say ERR.
            var rdbOnly = Execute(connection, ["REPLCONF", "rdb-only", "1"]);
            if (rdbOnly.IsError && IsPermission(rdbOnly.AsString()!)) throw Refused(source, rdbOnly.AsString()!);

            progress?.Report(OperationProgress.Step(activity, "Requesting the snapshot (SYNC); the server saves it first"));
            connection.Writer.WriteRaw("SYNC\r\n"u8);
            connection.Flush(CancellationToken.None); // cancellation closes the connection (registration above)

            var reader = connection.Reader;
            byte[] header;
            while (true)
            {
                header = ReceiveLine(reader, idle, source);
                if (header.Length == 0) continue; // keepalive newline while the server prepares the payload
                if (header[0] == (byte)'-') throw Refused(source, Encoding.UTF8.GetString(header, 1, header.Length - 1));
                if (header[0] == (byte)'+') continue; // +FULLRESYNC (PSYNC-style servers)
                if (header[0] == (byte)'$') break;
                throw new RedisBackupException(ErrorKind.ProtocolError, ErrorIds.ReplicationProtocolError,
                    $"{source.Address} answered SYNC with an unexpected line '{Printable(header)}'.", source.ToString());
            }

            var text = Encoding.ASCII.GetString(header, 1, header.Length - 1);
            progress?.Report(OperationProgress.Step(activity, "Receiving the snapshot"));
            if (text.StartsWith("EOF:", StringComparison.Ordinal))
            {
                var mark = Encoding.ASCII.GetBytes(text[4..]);
                if (mark.Length != EofMarkLength)
                    throw new RedisBackupException(ErrorKind.ProtocolError, ErrorIds.ReplicationProtocolError, $"The EOF mark from {source.Address} is {mark.Length} bytes, expected {EofMarkLength}.", source.ToString());
                var bytes = CopyUntilMark(reader, destination, mark, idle, source, activity, progress);
                return new ReplicationSnapshotInfo { Bytes = bytes, Diskless = true, ServerVersion = version };
            }

            if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length))
                throw new RedisBackupException(ErrorKind.ProtocolError, ErrorIds.ReplicationProtocolError, $"{source.Address} sent an invalid payload length '{Printable(header)}'.", source.ToString());
            CopyExactly(reader, destination, length, idle, source, activity, progress);
            return new ReplicationSnapshotInfo { Bytes = length, Diskless = false, ServerVersion = version };
        }
        catch (Exception ex) when (ex is RedisBackupException or IOException or ObjectDisposedException or System.Net.Sockets.SocketException && ct.IsCancellationRequested)
        {
            throw new OperationCanceledException(ct);
        }
    }

    /// <summary>One command and its reply, error replies returned; a broken or silent connection is a download failure.</summary>
    private static RespValue Execute(RedisConnection connection, RedisArg[] command)
    {
        connection.WriteCommand(command);
        connection.Flush();
        return connection.ReadReply();
    }

    /// <summary>One blocking line read (the reply to SYNC, keepalives); failures as in <see cref="Receive"/>.</summary>
    private static byte[] ReceiveLine(RespReader reader, TimeSpan idle, RedisEndpoint source)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (Exception ex) when (IsReceiveFailure(ex))
        {
            throw ReceiveFailure(ex, idle, source);
        }
    }

    /// <summary>One blocking socket read; a timeout is the idle limit, any other failure a lost connection.</summary>
    private static int Receive(RespReader reader, Span<byte> buffer, TimeSpan idle, RedisEndpoint source)
    {
        try
        {
            return reader.ReadSome(buffer);
        }
        catch (Exception ex) when (IsReceiveFailure(ex))
        {
            throw ReceiveFailure(ex, idle, source);
        }
    }

    private static bool IsReceiveFailure(Exception ex)
        => ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException or RedisBackupException { ErrorId: ErrorIds.RedisConnectionClosed };

    private static RedisBackupException ReceiveFailure(Exception ex, TimeSpan idle, RedisEndpoint source)
    {
        if ((ex.InnerException ?? ex) is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.TimedOut or System.Net.Sockets.SocketError.WouldBlock })
            return IdleTimeout(idle, source);
        if (ex is RedisBackupException)
            return new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.ReplicationConnectionClosed,
                $"{source.Address} closed the connection before the snapshot was complete.", source.ToString(), ex);
        return new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.ReplicationConnectionLost,
            $"The connection to {source.Address} broke during the snapshot download: {ex.Message}", source.ToString(), ex);
    }

    private static long CopyExactly(RespReader reader, Stream destination, long length, TimeSpan idle, RedisEndpoint source, string activity, IProgress<OperationProgress>? progress)
    {
        var buffer = new byte[ChunkSize];
        var reporter = new ByteReporter(activity, length, progress);
        long done = 0;
        var filled = 0;
        while (done + filled < length)
        {
            var want = (int)Math.Min(buffer.Length - filled, length - done - filled);
            var n = Receive(reader, buffer.AsSpan(filled, want), idle, source);
            if (n == 0) throw Truncated(source, done + filled, length);
            filled += n;
            // Write in large blocks: socket reads are often small, and every file write has a fixed cost.
            if (filled >= buffer.Length / 2 || done + filled == length)
            {
                destination.Write(buffer, 0, filled);
                done += filled;
                filled = 0;
                reporter.Report(done);
            }
        }
        return done;
    }

    /// <summary>
    /// Copies the diskless payload until it ends with the 40-byte mark, which is not written.
    /// Returns the payload length (without the mark).
    /// </summary>
    internal static long CopyUntilMark(RespReader reader, Stream destination, byte[] mark, TimeSpan idle, RedisEndpoint source, string activity, IProgress<OperationProgress>? progress)
    {
        var buffer = new byte[ChunkSize]; // never full: at most half of it plus one read is held before a write
        var reporter = new ByteReporter(activity, null, progress);
        var filled = 0; // bytes in buffer not yet written
        long written = 0;
        while (true)
        {
            var n = Receive(reader, buffer.AsSpan(filled), idle, source);
            if (n == 0) throw Truncated(source, written + filled, null);
            // Only the new bytes, plus the mark's length minus one before them, can complete the mark.
            var from = Math.Max(0, filled - (mark.Length - 1));
            filled += n;
            var at = buffer.AsSpan(from, filled - from).IndexOf(mark);
            if (at >= 0)
            {
                var end = from + at;
                destination.Write(buffer, 0, end);
                written += end;
                reporter.Report(written, force: true);
                return written;
            }
            // Write in large blocks, always holding back the tail that may be the start of the mark.
            if (filled >= buffer.Length / 2)
            {
                var flush = filled - (mark.Length - 1);
                destination.Write(buffer, 0, flush);
                written += flush;
                Buffer.BlockCopy(buffer, flush, buffer, 0, filled - flush);
                filled -= flush;
                reporter.Report(written);
            }
        }
    }

    /// <summary>Reports transferred bytes at most every 8 MB, so progress costs nothing per read.</summary>
    private sealed class ByteReporter(string activity, long? total, IProgress<OperationProgress>? progress)
    {
        private const long Step = 8L << 20;
        private long _last = -Step;

        public void Report(long done, bool force = false)
        {
            if (progress is null || (!force && done - _last < Step && done != total)) return;
            _last = done;
            var status = total is null ? $"{done:N0} bytes" : $"{done:N0} of {total:N0} bytes";
            progress.Report(new OperationProgress { Activity = activity, Status = status, Done = done, Total = total, Bytes = done });
        }
    }

    private static RedisBackupException IdleTimeout(TimeSpan idle, RedisEndpoint source)
        => new(ErrorKind.Timeout, ErrorIds.ReplicationTimeout, $"{source.Address} sent nothing for {idle.TotalSeconds:0} s during the snapshot download.", source.ToString());

    private static bool IsPermission(string reply) => reply.StartsWith("NOPERM", StringComparison.Ordinal) || reply.StartsWith("NOAUTH", StringComparison.Ordinal);

    private static RedisBackupException Refused(RedisEndpoint source, string reply)
        => new(reply.StartsWith("NOPERM", StringComparison.Ordinal) ? ErrorKind.PermissionDenied : ErrorKind.NotSupported, ErrorIds.ReplicationRefused,
            $"{source.Address} refused the replication download (SYNC): {reply.TrimEnd('.')}. Managed services and ACL users without +sync/+replconf refuse it; take a key-level backup instead.",
            source.ToString());

    private static RedisBackupException Truncated(RedisEndpoint source, long got, long? expected)
        => new(ErrorKind.ConnectionFailed, ErrorIds.ReplicationConnectionClosed,
            $"{source.Address} closed the connection after {got:N0} bytes" + (expected is null ? " without sending the end-of-snapshot mark." : $" of {expected:N0}."), source.ToString());

    private static string Printable(byte[] line)
    {
        var s = Encoding.ASCII.GetString(line, 0, Math.Min(line.Length, 60));
        return new string(s.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}
