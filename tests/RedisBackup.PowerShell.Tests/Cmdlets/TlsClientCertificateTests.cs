using System.Diagnostics;
using System.Globalization;
using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>
/// Parity with the CLI's --tls-cert, --tls-key and --tls-server-name: -TlsCertificatePath, -TlsKeyPath and
/// -TlsServerName against a real redis-server that requires a client certificate and whose certificate names only
/// another host than the address connected to.
/// </summary>
public sealed class TlsClientCertificateTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Ca => _dir.Combine("ca.crt");
    private string Cert(string name) => _dir.Combine(name + ".crt");
    private string Key(string name) => _dir.Combine(name + ".key");

    private void Ssl(params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "openssl did not finish");
        Assert.True(p.ExitCode == 0, err);
    }

    private void Issue(string name, string subject, string extension)
    {
        var ext = _dir.Combine(name + ".ext");
        File.WriteAllText(ext, extension + "\n");
        Ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", Key(name), "-out", _dir.Combine(name + ".csr"), "-subj", subject);
        Ssl("x509", "-req", "-in", _dir.Combine(name + ".csr"), "-CA", Ca, "-CAkey", Ca + ".key", "-CAcreateserial", "-out", Cert(name), "-days", "2", "-extfile", ext);
    }

    [Fact]
    public async Task A_backup_and_a_restore_over_mutual_TLS_with_a_server_name()
    {
        Ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Ca + ".key", "-out", Ca, "-days", "2", "-subj", "/CN=RedisBackup test CA");
        Issue("server", "/CN=redis.internal", "subjectAltName=DNS:redis.internal"); // not 127.0.0.1: only -TlsServerName makes it match
        Issue("client", "/CN=backup-client", "extendedKeyUsage=clientAuth");
        var tlsPort = RedisServer.FreePort();
        await using var server = await RedisServer.StartAsync("--tls-port", tlsPort.ToString(CultureInfo.InvariantCulture), "--tls-cert-file", Cert("server"),
            "--tls-key-file", Key("server"), "--tls-ca-cert-file", Ca, "--tls-auth-clients", "yes");
        await using (var c = await server.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "SET", "over-tls", "1");

        using var ps = new PowerShellSession(location: _dir.Path);
        var vars = new Dictionary<string, object?>
        {
            ["port"] = tlsPort, ["ca"] = Ca, ["cert"] = Cert("client"), ["key"] = Key("client"), ["cat"] = _dir.Combine("catalog"),
        };
        var noCert = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $port -TlsCaFile $ca -TlsServerName redis.internal -CatalogPath $cat", variables: vars);
        Assert.NotEmpty(noCert.AllErrors); // the server requires a client certificate

        var wrongName = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $port -TlsCaFile $ca -TlsCertificatePath $cert -TlsKeyPath $key -CatalogPath $cat", variables: vars);
        Assert.NotEmpty(wrongName.AllErrors); // the certificate names redis.internal, not 127.0.0.1

        var backup = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $port -TlsCaFile $ca -TlsCertificatePath $cert -TlsKeyPath $key -TlsServerName redis.internal -CatalogPath $cat",
            variables: vars).AssertClean();
        Assert.Equal(1L, Assert.Single(backup.Objects<RedisBackup.PowerShell.BackupRecord>()).KeyCount);

        await using (var c = await server.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "FLUSHALL");
        ps.Run("Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -HostName 127.0.0.1 -Port $port -TlsCaFile $ca -TlsCertificatePath $cert -TlsKeyPath $key -TlsServerName redis.internal -Confirm:$false | Out-Null",
            variables: vars).AssertClean();
        await using (var c = await server.ConnectAsync()) Assert.Equal("1", (await c.ExecuteAsync(CancellationToken.None, "GET", "over-tls")).AsString());
    }
}
