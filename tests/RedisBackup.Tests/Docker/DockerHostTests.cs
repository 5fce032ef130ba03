using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Tests.Docker;

public class DockerHostTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars)
        => name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Empty_DOCKER_HOST_gives_the_platform_default()
    {
        var host = DockerHost.FromEnvironment(Env());
        if (OperatingSystem.IsWindows())
        {
            Assert.Equal(DockerTransport.NamedPipe, host.Transport);
            Assert.Equal("npipe:////./pipe/docker_engine", host.Display);
        }
        else
        {
            Assert.Equal(DockerTransport.Unix, host.Transport);
            Assert.Equal("/var/run/docker.sock", host.Address);
            Assert.Equal("unix:///var/run/docker.sock", host.Display);
        }
    }

    [Fact]
    public void Unix_socket_path_is_taken_as_is()
    {
        var host = DockerHost.Parse("unix:///run/user/1000/docker.sock");
        Assert.Equal(DockerTransport.Unix, host.Transport);
        Assert.Equal("/run/user/1000/docker.sock", host.Address);
    }

    [Theory]
    [InlineData("npipe:////./pipe/docker_engine", ".", "docker_engine")]
    [InlineData("npipe:////./pipe/dockerDesktopLinuxEngine", ".", "dockerDesktopLinuxEngine")]
    [InlineData("npipe://buildhost/pipe/docker_engine", "buildhost", "docker_engine")]
    public void Named_pipes_are_split_into_server_and_name(string value, string server, string pipe)
    {
        var host = DockerHost.Parse(value);
        Assert.Equal(DockerTransport.NamedPipe, host.Transport);
        Assert.Equal(server, host.PipeServer);
        Assert.Equal(pipe, host.Address);
    }

    [Theory]
    [InlineData("tcp://10.0.0.5:2376", "10.0.0.5", 2376)]
    [InlineData("tcp://docker.example.com", "docker.example.com", 2375)]
    [InlineData("tcp://[::1]:2375", "::1", 2375)]
    [InlineData("tcp://localhost:2375/", "localhost", 2375)]
    public void Tcp_hosts_and_ports(string value, string address, int port)
    {
        var host = DockerHost.Parse(value);
        Assert.Equal(DockerTransport.Tcp, host.Transport);
        Assert.Equal(address, host.Address);
        Assert.Equal(port, host.Port);
        Assert.False(host.UseTls);
    }

    [Fact]
    public void Cert_path_turns_on_tls_and_verify_checks_the_ca()
    {
        var unverified = DockerHost.FromEnvironment(Env(("DOCKER_HOST", "tcp://h:2376"), ("DOCKER_CERT_PATH", "/certs")));
        Assert.True(unverified.UseTls);
        Assert.False(unverified.VerifyTls);
        Assert.Equal("/certs", unverified.CertPath);

        var verified = DockerHost.FromEnvironment(Env(("DOCKER_HOST", "tcp://h:2376"), ("DOCKER_CERT_PATH", "/certs"), ("DOCKER_TLS_VERIFY", "1")));
        Assert.True(verified.UseTls);
        Assert.True(verified.VerifyTls);

        var plain = DockerHost.FromEnvironment(Env(("DOCKER_HOST", "tcp://h:2375")));
        Assert.False(plain.UseTls);
    }

    [Fact]
    public void Api_version_pin_is_read_and_checked()
    {
        Assert.Equal("1.41", DockerHost.FromEnvironment(Env(("DOCKER_API_VERSION", "1.41"))).ApiVersion);
        var ex = Assert.Throws<RedisBackupException>(() => DockerHost.FromEnvironment(Env(("DOCKER_API_VERSION", "latest"))));
        Assert.Equal("DockerApiVersionInvalid", ex.ErrorId);
    }

    [Theory]
    [InlineData("/var/run/docker.sock")]
    [InlineData("ftp://host")]
    [InlineData("tcp://:2375")]
    [InlineData("tcp://host:99999")]
    [InlineData("npipe:////./docker_engine")]
    [InlineData("unix://")]
    public void Invalid_values_get_a_clear_error(string value)
    {
        var ex = Assert.Throws<RedisBackupException>(() => DockerHost.Parse(value));
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("DockerHostInvalid", ex.ErrorId);
        Assert.Contains(value, ex.Message);
    }

    [Fact]
    public void Ssh_is_refused_with_a_hint()
    {
        var ex = Assert.Throws<RedisBackupException>(() => DockerHost.Parse("ssh://me@box"));
        Assert.Equal(ErrorKind.NotSupported, ex.Kind);
        Assert.Contains("ssh://", ex.Message);
    }

    [Theory]
    [InlineData("1.41", "1.41")]
    [InlineData("1.52", "1.47")]
    [InlineData(null, "1.47")]
    [InlineData("1.9", "1.9")]
    public void Negotiation_takes_the_lower_version(string? server, string expected)
        => Assert.Equal(expected, ApiVersionValue.Negotiate(server).ToString());
}
