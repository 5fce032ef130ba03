using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Docker;

/// <summary>
/// tcp:// with TLS from DOCKER_CERT_PATH / DOCKER_TLS_VERIFY, against a TLS endpoint that answers /_ping like the
/// engine does and demands a client certificate (as dockerd --tlsverify does).
/// </summary>
public sealed class DockerTlsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static X509Certificate2 NewCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string name, bool server)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(8);
        using var cert = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), serial);
        return cert.CopyWithPrivateKey(key);
    }

    private string WriteCertPath(X509Certificate2 ca, X509Certificate2 client)
    {
        var dir = _temp.Combine("certs-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "cert.pem"), client.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "key.pem"), client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return dir;
    }

    /// <summary>Serves one TLS connection: requires a client certificate, answers every request like /_ping.</summary>
    private static async Task<string?> ServeOnceAsync(TcpListener listener, X509Certificate2 serverCert)
    {
        using var tcp = await listener.AcceptTcpClientAsync();
        await using var tls = new SslStream(tcp.GetStream(), false, (_, cert, _, _) => cert is not null);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = serverCert, ClientCertificateRequired = true });
        }
        catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException)
        {
            return null;
        }
        var request = new StringBuilder();
        var buffer = new byte[4096];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await tls.ReadAsync(buffer);
            if (n == 0) break;
            request.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        await tls.WriteAsync("HTTP/1.1 200 OK\r\nApi-Version: 1.43\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK"u8.ToArray());
        await tls.FlushAsync();
        return tls.RemoteCertificate?.Subject;
    }

    [Fact]
    public async Task Verified_tls_with_a_client_certificate_negotiates_the_version()
    {
        using var ca = NewCa("test-ca");
        using var serverCert = Issue(ca, "localhost", server: true);
        using var clientCert = Issue(ca, "docker-client", server: false);
        var certPath = WriteCertPath(ca, clientCert);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var server = ServeOnceAsync(listener, serverCert);
            using var docker = DockerClient.FromEnvironment(name => name switch
            {
                "DOCKER_HOST" => $"tcp://127.0.0.1:{port}",
                "DOCKER_CERT_PATH" => certPath,
                "DOCKER_TLS_VERIFY" => "1",
                _ => null,
            });
            Assert.Equal("1.43", await docker.GetApiVersionAsync());
            Assert.Equal("CN=docker-client", await server);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Engine_certificate_from_another_ca_is_refused()
    {
        using var ca = NewCa("test-ca");
        using var otherCa = NewCa("other-ca");
        using var serverCert = Issue(otherCa, "localhost", server: true);
        using var clientCert = Issue(ca, "docker-client", server: false);
        var certPath = WriteCertPath(ca, clientCert);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _ = ServeOnceAsync(listener, serverCert);
            using var docker = DockerClient.FromEnvironment(name => name switch
            {
                "DOCKER_HOST" => $"tcp://127.0.0.1:{port}",
                "DOCKER_CERT_PATH" => certPath,
                "DOCKER_TLS_VERIFY" => "1",
                _ => null,
            });
            var ex = await Assert.ThrowsAsync<RedisBackupException>(() => docker.GetApiVersionAsync());
            Assert.Equal("DockerUnreachable", ex.ErrorId);
            Assert.Contains($"tcp://127.0.0.1:{port}", ex.Message);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public void Verify_without_a_ca_file_is_a_clear_error()
    {
        var empty = _temp.Combine("empty");
        Directory.CreateDirectory(empty);
        var ex = Assert.Throws<RedisBackupException>(() => DockerClient.FromEnvironment(name => name switch
        {
            "DOCKER_HOST" => "tcp://127.0.0.1:2376",
            "DOCKER_CERT_PATH" => empty,
            "DOCKER_TLS_VERIFY" => "1",
            _ => null,
        }));
        Assert.Equal("DockerCaMissing", ex.ErrorId);
        Assert.Contains("ca.pem", ex.Message);
    }
}
