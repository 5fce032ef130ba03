using System.Globalization;
using System.Net;
using System.Net.Sockets;
using RedisBackup.Tests.Catalog;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedisBackup.Tests.Redis;

/// <summary>
/// Issue 9, item 13: a TLS failure says what to change. A real redis-server with a TLS port, certificates made with
/// openssl: a plain connection to the TLS port, a server that requires a client certificate, a certificate issued
/// for another name, and one signed by a CA the machine does not trust.
/// </summary>
public class TlsDiagnosisTests(ITestOutputHelper output)
{
    private sealed class Certificates : IDisposable
    {
        private readonly TempDirectory _dir = new();

        public Certificates()
        {
            Ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Ca + ".key", "-out", Ca, "-days", "2", "-subj", "/CN=RedisBackup test CA");
            Issue("server", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1");
            Issue("client", "/CN=backup-client", "extendedKeyUsage=clientAuth");
        }

        public string Ca => _dir.Combine("ca.crt");
        public string Cert(string name) => _dir.Combine(name + ".crt");
        public string Key(string name) => _dir.Combine(name + ".key");

        private void Issue(string name, string subject, string extension)
        {
            var ext = _dir.Combine(name + ".ext");
            File.WriteAllText(ext, extension + "\n");
            Ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", Key(name), "-out", _dir.Combine(name + ".csr"), "-subj", subject);
            Ssl("x509", "-req", "-in", _dir.Combine(name + ".csr"), "-CA", Ca, "-CAkey", Ca + ".key", "-CAcreateserial", "-out", Cert(name), "-days", "2", "-extfile", ext);
        }

        private static void Ssl(params string[] args) => CatalogFiles.Run("openssl", args);

        public void Dispose() => _dir.Dispose();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<(RedisServer Server, string TlsPort)> StartTlsAsync(Certificates certs, bool requireClientCert)
    {
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        var server = await RedisServer.StartAsync("--tls-port", port, "--tls-cert-file", certs.Cert("server"), "--tls-key-file", certs.Key("server"),
            "--tls-ca-cert-file", certs.Ca, "--tls-auth-clients", requireClientCert ? "yes" : "no");
        return (server, port);
    }

    private async Task<(string Id, string Message)> FailAsync(params string[] args)
    {
        using var dir = new TempDirectory();
        var run = await new CliRun().RunAsync(["backup", "--dir", dir.Path, "--json", .. args]);
        output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 1, run.ToString());
        var error = run.Json().GetProperty("error");
        Assert.Equal("connectionFailed", error.GetProperty("kind").GetString());
        return (error.GetProperty("id").GetString()!, error.GetProperty("message").GetString()!);
    }

    [Fact]
    public async Task A_plain_connection_to_a_TLS_port_suggests_TLS()
    {
        using var certs = new Certificates();
        var (server, tlsPort) = await StartTlsAsync(certs, requireClientCert: false);
        await using var _ = server;
        var (id, message) = await FailAsync("--port", tlsPort);
        Assert.Equal("RedisConnectionLost", id);
        Assert.Contains("if it expects TLS on this port, connect with TLS (--tls", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_requires_a_client_certificate_says_so()
    {
        using var certs = new Certificates();
        var (server, tlsPort) = await StartTlsAsync(certs, requireClientCert: true);
        await using var _ = server;
        var (_, message) = await FailAsync("--port", tlsPort, "--tls-ca", certs.Ca);
        Assert.Contains("client certificate (--tls-cert and --tls-key)", message, StringComparison.Ordinal);

        using var dir = new TempDirectory();
        var ok = await new CliRun().RunAsync("backup", "--dir", dir.Path, "--port", tlsPort, "--tls-ca", certs.Ca, "--tls-cert", certs.Cert("client"), "--tls-key", certs.Key("client"));
        Assert.True(ok.ExitCode == 0, ok.ToString());
    }

    [Fact]
    public async Task A_certificate_for_another_name_or_an_untrusted_ca_says_what_to_give()
    {
        using var certs = new Certificates();
        var (server, tlsPort) = await StartTlsAsync(certs, requireClientCert: false);
        await using var _ = server;

        var (id, message) = await FailAsync("--port", tlsPort, "--tls-ca", certs.Ca, "--tls-server-name", "cache.example");
        Assert.Equal("RedisTlsFailed", id);
        Assert.Contains("not issued for 'cache.example'", message, StringComparison.Ordinal);
        Assert.Contains("--tls-server-name", message, StringComparison.Ordinal);

        var (untrustedId, untrusted) = await FailAsync("--port", tlsPort, "--tls");
        Assert.Equal("RedisTlsFailed", untrustedId);
        Assert.Contains("not signed by a CA this machine trusts", untrusted, StringComparison.Ordinal);
        Assert.Contains("--tls-ca", untrusted, StringComparison.Ordinal);
    }
}
