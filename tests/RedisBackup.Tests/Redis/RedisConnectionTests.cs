using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Redis;

/// <summary>The RESP client against real redis-server processes.</summary>
public class RedisConnectionTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Pipelines_many_commands_with_replies_in_order()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        const int n = 20_000;
        for (var i = 0; i < n; i++) c.WriteCommand("SET", $"k{i}", i);
        c.WriteCommand("NOSUCHCOMMAND");
        for (var i = 0; i < n; i++) c.WriteCommand("GET", $"k{i}");
        await c.FlushAsync();
        for (var i = 0; i < n; i++) Assert.Equal("OK", (await c.ReadReplyAsync()).AsString());
        Assert.True((await c.ReadReplyAsync()).IsError); // an error reply is a value, the pipeline goes on
        for (var i = 0; i < n; i++) Assert.Equal(i, (await c.ReadReplyAsync()).AsInt64());
    }

    [Fact]
    public async Task Concurrent_writer_and_reader_on_one_connection()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        const int n = 50_000;
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < n; i++)
            {
                c.WriteCommand("INCR", "counter");
                if (i % 1000 == 999) await c.FlushAsync();
            }
            await c.FlushAsync();
        });
        for (var i = 1; i <= n; i++) Assert.Equal(i, (await c.ReadReplyAsync()).AsInt64());
        await writer;
    }

    [Fact]
    public async Task Selects_the_endpoint_database_and_switches()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await RedisConnection.ConnectAsync(server.Endpoint with { Database = 3 });
        await c.ExecuteAsync(None, "SET", "in3", "x");
        await c.SelectAsync(0);
        Assert.True((await c.ExecuteAsync(None, "GET", "in3")).IsNull);
        await c.SelectAsync(3);
        Assert.Equal("x", (await c.ExecuteAsync(None, "GET", "in3")).AsString());
    }

    [Fact]
    public async Task Handles_a_512_megabyte_string()
    {
        await using var server = await RedisServer.StartAsync("--proto-max-bulk-len", "1gb");
        await using var c = await server.ConnectAsync();
        var big = GC.AllocateUninitializedArray<byte>(512 * 1024 * 1024);
        new Random(5).NextBytes(big.AsSpan(0, 4096));
        big.AsSpan(4096).Fill(0xAB);
        big[^1] = 0x01;
        await c.ExecuteAsync(None, "SET", "big", big);
        Assert.Equal(big.Length, (await c.ExecuteAsync(None, "STRLEN", "big")).AsInt64());
        var back = (await c.ExecuteAsync(None, "GET", "big")).Bytes!;
        Assert.Equal(big.Length, back.Length);
        Assert.True(big.AsSpan().SequenceEqual(back));
    }

    [Fact]
    public async Task Wrong_password_is_a_clear_authentication_error()
    {
        await using var server = await RedisServer.StartAsync("--requirepass", "right");
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => RedisConnection.ConnectAsync(server.Endpoint with { Password = "wrong" }));
        Assert.Equal(ErrorKind.AuthenticationFailed, ex.Kind);
        Assert.Equal("RedisAuthenticationFailed", ex.ErrorId);
        Assert.Contains("WRONGPASS", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_password_is_no_auth()
    {
        await using var server = await RedisServer.StartAsync("--requirepass", "right");
        await using var c = await RedisConnection.ConnectAsync(server.Endpoint);
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => c.ExecuteAsync(None, "DBSIZE"));
        Assert.Equal(ErrorKind.AuthenticationFailed, ex.Kind);
        Assert.Equal("RedisAuthenticationRequired", ex.ErrorId);
    }

    [Fact]
    public async Task ACL_user_without_permission_gets_no_perm()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var admin = await server.ConnectAsync())
            await admin.ExecuteAsync(None, "ACL", "SETUSER", "reader", "on", ">pw", "~*", "+get", "+ping");
        await using var c = await RedisConnection.ConnectAsync(server.Endpoint with { User = "reader", Password = "pw" });
        Assert.Equal("PONG", (await c.ExecuteAsync(None, "PING")).AsString());
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => c.ExecuteAsync(None, "SET", "a", "b"));
        Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
        Assert.Equal("RedisPermissionDenied", ex.ErrorId);

        var wrongUser = await Assert.ThrowsAsync<RedisServerException>(() => RedisConnection.ConnectAsync(server.Endpoint with { User = "reader", Password = "nope" }));
        Assert.Equal(ErrorKind.AuthenticationFailed, wrongUser.Kind);
    }

    [Fact]
    public async Task Refused_connection_is_clear()
    {
        var port = RedisServer.FreePort();
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => RedisConnection.ConnectAsync(new RedisEndpoint { Port = port }));
        Assert.Equal(ErrorKind.ConnectionFailed, ex.Kind);
        Assert.Contains("refused", ex.Message, StringComparison.Ordinal);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silent_server_times_out()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accept = listener.AcceptSocketAsync();
        await using var c = await RedisConnection.ConnectAsync(new RedisEndpoint { Port = port, CommandTimeout = TimeSpan.FromMilliseconds(300) });
        using var peer = await accept;
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => c.ExecuteAsync(None, "PING"));
        Assert.Equal(ErrorKind.Timeout, ex.Kind);
        // The connection is not reused after a timeout: a late reply would be read as the next command's.
        var again = await Assert.ThrowsAsync<RedisBackupException>(() => c.ExecuteAsync(None, "PING"));
        Assert.Equal("RedisConnectionBroken", again.ErrorId);
    }

    [Fact]
    public async Task A_server_that_speaks_garbage_is_a_protocol_error()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serve = Task.Run(async () =>
        {
            using var s = await listener.AcceptSocketAsync();
            await s.SendAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray());
            await Task.Delay(500);
        });
        await using var c = await RedisConnection.ConnectAsync(new RedisEndpoint { Port = port });
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => c.ExecuteAsync(None, "PING"));
        Assert.Equal(ErrorKind.ProtocolError, ex.Kind);
        await serve;
    }

    [Fact]
    public async Task TLS_with_a_custom_ca_and_skip_verify()
    {
        using var dir = new TempDirectory();
        var (caPem, certPem, keyPem) = MakeCertificates();
        File.WriteAllText(dir.Combine("ca.pem"), caPem);
        File.WriteAllText(dir.Combine("server.pem"), certPem);
        File.WriteAllText(dir.Combine("server.key"), keyPem);
        var tlsPort = RedisServer.FreePort();
        await using var server = await RedisServer.StartAsync("--tls-port", tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls-cert-file", dir.Combine("server.pem"), "--tls-key-file", dir.Combine("server.key"),
            "--tls-ca-cert-file", dir.Combine("ca.pem"), "--tls-auth-clients", "no");
        var tls = new RedisEndpoint { Host = "127.0.0.1", Port = tlsPort, UseTls = true, TlsServerName = "localhost" };

        await using (var c = await RedisConnection.ConnectAsync(tls with { TlsCaFile = dir.Combine("ca.pem") }))
            Assert.Equal("PONG", (await c.ExecuteAsync(None, "PING")).AsString());

        var untrusted = await Assert.ThrowsAsync<RedisBackupException>(() => RedisConnection.ConnectAsync(tls));
        Assert.Equal("RedisTlsFailed", untrusted.ErrorId);

        var wrongName = await Assert.ThrowsAsync<RedisBackupException>(() => RedisConnection.ConnectAsync(tls with { TlsCaFile = dir.Combine("ca.pem"), TlsServerName = "other.example" }));
        Assert.Equal("RedisTlsFailed", wrongName.ErrorId);

        await using (var c = await RedisConnection.ConnectAsync(tls with { TlsSkipVerify = true }))
            Assert.Equal("PONG", (await c.ExecuteAsync(None, "PING")).AsString());
    }

    [Fact]
    public async Task A_blocking_connection_authenticates_selects_and_speaks_TLS()
    {
        using var dir = new TempDirectory();
        var (caPem, certPem, keyPem) = MakeCertificates();
        File.WriteAllText(dir.Combine("ca.pem"), caPem);
        File.WriteAllText(dir.Combine("server.pem"), certPem);
        File.WriteAllText(dir.Combine("server.key"), keyPem);
        var tlsPort = RedisServer.FreePort();
        await using var server = await RedisServer.StartAsync("--tls-port", tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls-cert-file", dir.Combine("server.pem"), "--tls-key-file", dir.Combine("server.key"),
            "--tls-ca-cert-file", dir.Combine("ca.pem"), "--tls-auth-clients", "no", "--requirepass", "s3cret");
        var tls = new RedisEndpoint { Host = "127.0.0.1", Port = tlsPort, UseTls = true, TlsServerName = "localhost", TlsCaFile = dir.Combine("ca.pem"), Password = "s3cret", Database = 2 };

        await Task.Run(() =>
        {
            using var c = RedisConnection.ConnectBlocking(tls);
            Assert.Equal(2, c.Database);
            c.Execute(None, "SET", "where", "db2");
            Assert.Equal("db2", c.Execute(None, "GET", "where").AsString());
        });
        await using var check = await RedisConnection.ConnectAsync(tls with { Database = 2 });
        Assert.Equal("db2", (await check.ExecuteAsync(None, "GET", "where")).AsString());

        var wrong = Assert.Throws<RedisServerException>(() => RedisConnection.ConnectBlocking(tls with { Password = "nope" }));
        Assert.Contains("password", wrong.Message, StringComparison.OrdinalIgnoreCase);
        var untrusted = Assert.Throws<RedisBackupException>(() => RedisConnection.ConnectBlocking(tls with { TlsCaFile = null }));
        Assert.Equal("RedisTlsFailed", untrusted.ErrorId);
    }

    [Fact]
    public void A_blocking_connect_ends_at_its_timeout_or_on_cancellation_and_a_refusal_is_clear()
    {
        // A listener whose accept queue is full: the kernel drops further SYNs, so a connect hangs in SYN_SENT.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
                fillers.Add(filler);
                try { filler.Connect(IPAddress.Loopback, port); } catch (SocketException) { /* in progress */ }
            }
            Thread.Sleep(200);
            var endpoint = new RedisEndpoint { Host = "127.0.0.1", Port = port, ConnectTimeout = TimeSpan.FromSeconds(1) };

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var timeout = Assert.Throws<RedisBackupException>(() => RedisConnection.ConnectBlocking(endpoint));
            Assert.Equal("RedisConnectTimeout", timeout.ErrorId);
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 10);

            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            clock.Restart();
            Assert.ThrowsAny<OperationCanceledException>(() => RedisConnection.ConnectBlocking(endpoint with { ConnectTimeout = TimeSpan.FromMinutes(1) }, cts.Token));
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.2, 10);
        }
        finally
        {
            foreach (var f in fillers) f.Dispose();
        }

        var refused = Assert.Throws<RedisBackupException>(() => RedisConnection.ConnectBlocking(new RedisEndpoint { Host = "127.0.0.1", Port = RedisServer.FreePort() }));
        Assert.Equal("RedisConnectionFailed", refused.ErrorId);
        Assert.Contains("refused", refused.Message, StringComparison.Ordinal);
    }

    private static (string Ca, string Cert, string Key) MakeCertificates()
    {
        using var caKey = RSA.Create(2048);
        var caReq = new CertificateRequest("CN=RedisBackup Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var serverKey = RSA.Create(2048);
        var req = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = req.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), [1, 2, 3, 4]);
        return (ca.ExportCertificatePem(), cert.ExportCertificatePem(), serverKey.ExportPkcs8PrivateKeyPem());
    }
}
