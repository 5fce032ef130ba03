using System.IO.Pipes;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Docker;

/// <summary>Builds the HTTP handler that carries HTTP/1.1 to the engine over a unix socket, a named pipe or TCP (TLS).</summary>
internal static class DockerHttpHandler
{
    public static SocketsHttpHandler Create(DockerHost host)
    {
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        switch (host.Transport)
        {
            case DockerTransport.Unix:
                handler.ConnectCallback = (_, ct) => ConnectUnixAsync(host.Address, ct);
                break;
            case DockerTransport.NamedPipe:
                handler.ConnectCallback = (_, ct) => ConnectPipeAsync(host.PipeServer, host.Address, ct);
                break;
            case DockerTransport.Tcp when host.UseTls:
                handler.SslOptions = TlsOptions(host);
                break;
        }
        return handler;
    }

    /// <summary>The base address requests go to (the host name is ignored by socket and pipe transports).</summary>
    public static Uri BaseAddress(DockerHost host) => host.Transport == DockerTransport.Tcp
        ? new UriBuilder(host.UseTls ? "https" : "http", host.Address, host.Port).Uri
        : new Uri("http://localhost/");

    private static async ValueTask<Stream> ConnectUnixAsync(string path, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async ValueTask<Stream> ConnectPipeAsync(string server, string pipe, CancellationToken ct)
    {
        var stream = new NamedPipeClientStream(server, pipe, PipeDirection.InOut, PipeOptions.Asynchronous);
        try
        {
            await stream.ConnectAsync(5000, ct).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static SslClientAuthenticationOptions TlsOptions(DockerHost host)
    {
        var certPath = host.CertPath;
        var options = new SslClientAuthenticationOptions { TargetHost = host.Address };
        if (certPath is null) return options;

        var cert = Path.Combine(certPath, "cert.pem");
        var key = Path.Combine(certPath, "key.pem");
        if (File.Exists(cert) && File.Exists(key))
        {
            try
            {
                using var pem = X509Certificate2.CreateFromPemFile(cert, key);
                // Re-import so Windows' TLS stack can use the private key (PEM keys are ephemeral there).
                options.ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)];
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.DockerCertificateInvalid,
                    $"The Docker client certificate in {certPath} (cert.pem, key.pem) could not be loaded: {ex.Message}", certPath, ex);
            }
        }

        if (host.VerifyTls)
        {
            var caFile = Path.Combine(certPath, "ca.pem");
            if (!File.Exists(caFile))
                throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.DockerCaMissing,
                    $"DOCKER_TLS_VERIFY is set but {caFile} does not exist.", caFile);
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            options.RemoteCertificateValidationCallback = (_, certificate, _, errors) => VerifyAgainst(roots, certificate, errors);
        }
        else
        {
            // DOCKER_CERT_PATH without DOCKER_TLS_VERIFY: encrypted but unverified, as the docker CLI does.
            options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null;
        }
        return options;
    }

    private static bool VerifyAgainst(X509Certificate2Collection roots, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
