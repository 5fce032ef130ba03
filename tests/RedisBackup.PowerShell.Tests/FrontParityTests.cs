using System.Management.Automation;
using System.Reflection;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Commands;
using RedisBackup.PowerShell.Infrastructure;
using RedisBackup.Tests.Cli;

namespace RedisBackup.PowerShell.Tests;

/// <summary>
/// The cmdlets' half of the front parity check: every parameter <see cref="RequestFieldMap"/> names exists on the
/// cmdlet that builds the request, and the parameter-to-request mapping carries the TLS client options. The CLI's half
/// (and the map's completeness) is checked in RedisBackup.Tests.
/// </summary>
public class FrontParityTests
{
    private static HashSet<string> Parameters(Type cmdlet) => cmdlet.GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetCustomAttributes<ParameterAttribute>().Any()).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void Each_mapped_parameter_exists_on_its_cmdlet()
    {
        var backup = Parameters(typeof(NewRedisBackupCommand));
        var restore = Parameters(typeof(RestoreRedisBackupCommand));
        foreach (var entry in RequestFieldMap.Backup)
            Assert.True(entry.Parameters.All(backup.Contains), $"{entry.Field}: New-RedisBackup lacks -{string.Join(", -", entry.Parameters.Where(p => !backup.Contains(p)))}");
        foreach (var entry in RequestFieldMap.Restore)
            Assert.True(entry.Parameters.All(restore.Contains), $"{entry.Field}: Restore-RedisBackup lacks -{string.Join(", -", entry.Parameters.Where(p => !restore.Contains(p)))}");
        foreach (var entry in RequestFieldMap.Endpoint)
        {
            Assert.True(entry.Parameters.All(backup.Contains), $"{entry.Field}: New-RedisBackup lacks -{string.Join(", -", entry.Parameters)}");
            Assert.True(entry.Parameters.All(restore.Contains), $"{entry.Field}: Restore-RedisBackup lacks -{string.Join(", -", entry.Parameters)}");
        }
    }

    [Fact]
    public void The_TLS_client_parameters_reach_the_endpoint()
    {
        var connection = new ConnectionValues { HostName = "h1", TlsCertificatePath = "/tmp/c.pem", TlsKeyPath = "/tmp/k.pem", TlsServerName = "redis.internal" };
        var backup = RequestFactory.Backup(connection, new BackupValues(), _ => null).Endpoint!;
        var restore = RequestFactory.Restore("/b/x.rdb", connection, new RestoreValues(), _ => null).Endpoint!;
        foreach (var endpoint in new[] { backup, restore })
        {
            Assert.True(RequestFieldMap.Endpoint.Single(e => e.Field == "Endpoint.TlsClientCertFile").IsSet(endpoint));
            Assert.True(RequestFieldMap.Endpoint.Single(e => e.Field == "Endpoint.TlsClientKeyFile").IsSet(endpoint));
            Assert.True(RequestFieldMap.Endpoint.Single(e => e.Field == "Endpoint.TlsServerName").IsSet(endpoint));
            Assert.True(endpoint.UseTls); // a client certificate implies TLS, as --tls-cert does
        }
    }

    [Fact]
    public void The_label_reaches_the_request()
        => Assert.Equal("l1", RequestFactory.Backup(new ConnectionValues(), new BackupValues { Label = "l1" }, _ => null).Label);
}
