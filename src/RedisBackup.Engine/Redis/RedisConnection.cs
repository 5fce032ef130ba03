using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
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
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable, IDisposable
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

    public static Task<RedisConnection> ConnectAsync(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
        => ConnectCoreAsync(endpoint, blocking: false, cancellationToken);

    /// <summary>
    /// Connects with plain blocking socket I/O, for bulk transfers whose reads and writes run on threads of their own
    /// (the replication download, key export, live restore): the socket never enters .NET's asynchronous mode (see
    /// <see cref="IO.BlockingStream"/>), so each read is one system call. Every call on this connection blocks, asynchronous ones included, and the command timeout is the
    /// socket's own timeout. Cancelling <paramref name="cancellationToken"/> during the connect closes the socket.
    /// </summary>
    public static RedisConnection ConnectBlocking(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
        => ConnectCoreAsync(endpoint, blocking: true, cancellationToken).GetAwaiter().GetResult();

    /// <summary><see cref="ConnectBlocking"/> off the caller's thread, for asynchronous code that hands the connection to a dedicated thread.</summary>
    public static Task<RedisConnection> ConnectBlockingAsync(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
        => Task.Run(() => ConnectBlocking(endpoint, cancellationToken), cancellationToken);

    /// <summary>True when every call blocks (<see cref="ConnectBlocking"/>).</summary>
    public bool IsBlocking { get; }

    private static async Task<RedisConnection> ConnectCoreAsync(RedisEndpoint endpoint, bool blocking, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(endpoint.ConnectTimeout);
                try
                {
                    if (blocking)
                    {
                        // A blocking connect has no timeout of its own: closing the socket ends it.
                        using (timeout.Token.UnsafeRegister(static s => ((Socket)s!).Dispose(), socket))
                            socket.Connect(endpoint.Host, endpoint.Port);
                    }
                    else
                    {
                        await socket.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException && timeout.IsCancellationRequested)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new RedisBackupException(ErrorKind.Timeout, ErrorIds.RedisConnectTimeout,
                        $"Could not connect to Redis at {endpoint.Address} within {endpoint.ConnectTimeout.TotalSeconds:0.#} s.", endpoint.ToString());
                }
                catch (SocketException ex)
                {
                    var why = ex.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => "connection refused. Is redis-server running and listening on that port?",
                        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "the host name could not be resolved.",
                        SocketError.TimedOut => "the connection timed out.",
                        SocketError.NetworkUnreachable or SocketError.HostUnreachable => "the host is unreachable.",
                        _ => ex.Message,
                    };
                    throw new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.RedisConnectionFailed,
                        $"Could not connect to Redis at {endpoint.Address}: {why}", endpoint.ToString(), ex);
                }

                stream = new NetworkStream(socket, ownsSocket: false);
                if (blocking)
                {
                    // The TLS handshake below then runs with blocking reads too, bounded by the socket timeout.
                    socket.ReceiveTimeout = socket.SendTimeout = (int)Math.Ceiling(endpoint.ConnectTimeout.TotalMilliseconds);
                    stream = new IO.BlockingStream(stream);
                }
                if (endpoint.UseTls) stream = await AuthenticateTlsAsync(endpoint, stream, timeout.Token, cancellationToken).ConfigureAwait(false);
            }

            var connection = new RedisConnection(endpoint, socket, stream, blocking);
            try
            {
                await connection.HandshakeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            return connection;
        }
        catch
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            throw;
        }
    }

    private static async Task<Stream> AuthenticateTlsAsync(RedisEndpoint endpoint, Stream inner, CancellationToken timeoutToken, CancellationToken userToken)
    {
        X509Certificate2Collection? customRoots = null;
        if (endpoint.TlsCaFile is not null)
        {
            if (!File.Exists(endpoint.TlsCaFile))
                throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.TlsCaFileNotFound, $"The TLS CA file '{endpoint.TlsCaFile}' does not exist.", endpoint.TlsCaFile);
            customRoots = new X509Certificate2Collection();
            customRoots.ImportFromPemFile(endpoint.TlsCaFile);
        }

        var rejected = SslPolicyErrors.None;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, (_, certificate, chain, errors) =>
        {
            if (endpoint.TlsSkipVerify) return true;
            rejected = errors;
            if (errors == SslPolicyErrors.None) return true;
            if (customRoots is null || certificate is null) return false;
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(customRoots);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var cert2 = new X509Certificate2(certificate);
            return custom.Build(cert2);
        });

        var options = new SslClientAuthenticationOptions
        {
            TargetHost = endpoint.TlsServerName ?? endpoint.Host,
            EnabledSslProtocols = SslProtocols.None,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (endpoint.TlsClientCertFile is not null)
        {
            var cert = X509Certificate2.CreateFromPemFile(endpoint.TlsClientCertFile, endpoint.TlsClientKeyFile);
            options.ClientCertificates = new X509CertificateCollection { cert };
        }

        try
        {
            await ssl.AuthenticateAsClientAsync(options, timeoutToken).ConfigureAwait(false);
            return ssl;
        }
        catch (OperationCanceledException) when (!userToken.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new RedisBackupException(ErrorKind.Timeout, ErrorIds.RedisTlsTimeout, $"The TLS handshake with {endpoint.Address} timed out. Does the server speak TLS on that port?", endpoint.ToString());
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.RedisTlsFailed,
                $"The TLS handshake with {endpoint.Address} failed: {ex.Message}" + TlsHint(endpoint, rejected), endpoint.ToString(), ex);
        }
    }

    /// <summary>What to change after a failed handshake, from why the server's certificate was rejected (if it was).</summary>
    private static string TlsHint(RedisEndpoint endpoint, SslPolicyErrors rejected)
    {
        var name = endpoint.TlsServerName ?? endpoint.Host;
        if ((rejected & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            return $" The server's certificate is not issued for '{name}': connect with the name it was issued for (--tls-server-name), or skip verification explicitly.";
        if ((rejected & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            return endpoint.TlsCaFile is null
                ? " The server's certificate is not signed by a CA this machine trusts: give the CA certificate that signs it (--tls-ca), or skip verification explicitly."
                : $" The server's certificate is not signed by the CA in {endpoint.TlsCaFile}.";
        if ((rejected & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            return " The server sent no certificate.";
        return endpoint.TlsClientCertFile is null
            ? " Check that the port speaks TLS, and whether the server requires a client certificate (--tls-cert and --tls-key)."
            : " Check that the port speaks TLS and that the server accepts the client certificate given.";
    }

    private async Task HandshakeAsync(CancellationToken ct)
    {
        if (Endpoint.Password is not null)
        {
            RespValue reply = Endpoint.User is null
                ? await ExecuteRawAsync(["AUTH", Endpoint.Password], ct).ConfigureAwait(false)
                : await ExecuteRawAsync(["AUTH", Endpoint.User, Endpoint.Password], ct).ConfigureAwait(false);
            if (reply.IsError) throw RedisServerException.FromReply(reply.AsString()!, "AUTH");
        }
        if (Endpoint.Database is { } db and not 0) await SelectAsync(db, ct).ConfigureAwait(false);
    }

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
            _broken = true;
            throw new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.RedisConnectionLost, $"The connection to {Endpoint.Address} was lost while sending: {ex.Message}{ClosedEarlyHint()}", Endpoint.ToString(), ex);
        }
    }

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
            throw new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.RedisConnectionLost, $"The connection to {Endpoint.Address} was lost while sending: {ex.Message}{ClosedEarlyHint()}", Endpoint.ToString(), ex);
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

    /// <summary>Reads the next reply. Error replies are returned, not thrown.</summary>
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
            return new RedisBackupException(ErrorKind.Timeout, ErrorIds.RedisTimeout,
                $"Redis at {Endpoint.Address} did not reply within {Endpoint.CommandTimeout.TotalSeconds:0.#} s.", Endpoint.ToString());
        return new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.RedisConnectionLost, $"The connection to {Endpoint.Address} was lost while reading: {ex.Message}{ClosedEarlyHint()}", Endpoint.ToString(), ex);
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
            _broken = true;
            throw new RedisBackupException(ErrorKind.Timeout, ErrorIds.RedisTimeout,
                $"Redis at {Endpoint.Address} did not reply within {Endpoint.CommandTimeout.TotalSeconds:0.#} s.", Endpoint.ToString());
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
            _broken = true;
            throw new RedisBackupException(ErrorKind.ConnectionFailed, ErrorIds.RedisConnectionLost, $"The connection to {Endpoint.Address} was lost while reading: {ex.Message}{ClosedEarlyHint()}", Endpoint.ToString(), ex);
        }
        finally
        {
            timeout?.Dispose();
        }
    }

    /// <summary>Sends one command and returns its reply; an error reply is thrown as <see cref="RedisServerException"/>.</summary>
    public async Task<RespValue> ExecuteAsync(CancellationToken ct, params RedisArg[] args)
    {
        var reply = await ExecuteRawAsync(args, ct).ConfigureAwait(false);
        if (reply.IsError) throw RedisServerException.FromReply(reply.AsString()!, CommandName(args));
        return reply;
    }

    /// <summary>Sends one command and returns its reply, error replies included.</summary>
    public async Task<RespValue> ExecuteRawAsync(RedisArg[] args, CancellationToken ct = default)
    {
        WriteCommand(args);
        await FlushAsync(ct).ConfigureAwait(false);
        return await ReadReplyAsync(ct).ConfigureAwait(false);
    }

    /// <summary>INFO [section] parsed into key/value pairs.</summary>
    public async Task<IReadOnlyDictionary<string, string>> InfoAsync(string? section = null, CancellationToken ct = default)
    {
        var reply = section is null ? await ExecuteAsync(ct, "INFO").ConfigureAwait(false) : await ExecuteAsync(ct, "INFO", section).ConfigureAwait(false);
        return ParseInfo(reply.AsString() ?? "");
    }

    /// <summary>INFO [section] parsed, or an empty dictionary when the server refuses INFO (an ACL without it, a renamed command).</summary>
    public async Task<IReadOnlyDictionary<string, string>> TryInfoAsync(string section, CancellationToken ct = default)
    {
        var reply = await ExecuteRawAsync(["INFO", section], ct).ConfigureAwait(false);
        if (!reply.IsError) return ParseInfo(reply.AsString() ?? "");
        var text = reply.AsString() ?? "";
        if (text.StartsWith("NOAUTH", StringComparison.Ordinal) || text.StartsWith("WRONGPASS", StringComparison.Ordinal))
            throw RedisServerException.FromReply(text, "INFO");
        return new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>
    /// The server's own version from INFO server: valkey_version on Valkey (whose redis_version is a fixed compatibility
    /// value, 7.2.4 on Valkey 8), else redis_version.
    /// </summary>
    public static string? ServerVersionOf(IReadOnlyDictionary<string, string> info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.GetValueOrDefault("valkey_version") ?? info.GetValueOrDefault("redis_version");
    }

    public static Dictionary<string, string> ParseInfo(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) result[line[..colon]] = line[(colon + 1)..];
        }
        return result;
    }

    /// <summary>CONFIG GET name → value, or null when the server refuses CONFIG or does not know the name.</summary>
    public async Task<string?> TryConfigGetAsync(string name, CancellationToken ct = default)
    {
        var reply = await ExecuteRawAsync(["CONFIG", "GET", name], ct).ConfigureAwait(false);
        if (reply.IsError || reply.Type != RespType.Array || reply.Items!.Length < 2) return null;
        return reply.Items[1].AsString();
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

    /// <summary>Parses "7.0.15" style versions; returns 0.0 when absent.</summary>
    public static Version ParseVersion(string? text)
        => Version.TryParse((text ?? "").Split('-')[0], out var v) ? v : new Version(0, 0);

    internal static string Format(long v) => v.ToString(CultureInfo.InvariantCulture);
}
