using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Redis;

// Opening a connection: TCP connect under the connect timeout, TLS (certificate checks and the hints after a failed
// handshake), then AUTH and SELECT.
internal sealed partial class RedisConnection
{
    public static Task<RedisConnection> ConnectAsync(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
        => ConnectCoreAsync(endpoint, blocking: false, cancellationToken);

    /// <summary>
    /// Connects with plain blocking socket I/O, for bulk transfers whose reads and writes run on threads of their own
    /// (the replication download, key export, live restore): the socket never enters .NET's asynchronous mode (see
    /// <see cref="IO.BlockingStream"/>), so each read is one system call. Every call on this connection blocks, asynchronous ones included (they
    /// complete synchronously: see the class summary), and the command timeout is the socket's own timeout. Cancelling <paramref name="cancellationToken"/> during the connect closes the socket.
    /// </summary>
    public static RedisConnection ConnectBlocking(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
        => ConnectCoreAsync(endpoint, blocking: true, cancellationToken).GetAwaiter().GetResult();

    /// <summary><see cref="ConnectBlocking"/> off the caller's thread, for asynchronous code that hands the connection to a dedicated thread.</summary>
    public static Task<RedisConnection> ConnectBlockingAsync(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
        => Task.Run(() => ConnectBlocking(endpoint, cancellationToken), cancellationToken);

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
}
