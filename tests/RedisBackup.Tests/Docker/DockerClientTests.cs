using System.Formats.Tar;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Tests.Docker;

[Collection(DockerTestGroup.Name)]
public sealed class DockerClientTests : IDisposable
{
    private readonly DockerClient _docker = DockerClient.FromEnvironment();

    public void Dispose() => _docker.Dispose();

    [DockerFact]
    public async Task Api_version_is_negotiated_with_the_engine()
    {
        var version = await _docker.GetApiVersionAsync();
        Assert.True(ApiVersionValue.TryParse(version, out var v));
        Assert.True(v <= ApiVersionValue.Client);
    }

    [DockerFact]
    public async Task Exec_separates_stdout_and_stderr_and_reports_the_exit_code()
    {
        await using var redis = await RedisContainer.StartAsync(_docker);

        var ok = await _docker.ExecAsync(redis.Name, ["redis-cli", "PING"]);
        Assert.Equal(0, ok.ExitCode);
        Assert.Equal("PONG\n", ok.StdoutText);
        Assert.Empty(ok.Stderr);

        var failing = await _docker.ExecAsync(redis.Name, ["redis-cli", "-p", "1", "PING"]);
        Assert.NotEqual(0, failing.ExitCode);
        Assert.Contains("Could not connect", failing.StderrText);
        Assert.Empty(failing.Stdout);

        var missing = await _docker.ExecAsync(redis.Name, ["no-such-program"]);
        Assert.True(missing.ExitCode is 126 or 127, $"exit code {missing.ExitCode}");
        Assert.Contains("no-such-program", missing.StdoutText + missing.StderrText);
    }

    [DockerFact]
    public async Task Inspect_list_and_published_port()
    {
        await using var redis = await RedisContainer.StartAsync(_docker);
        var info = await _docker.InspectContainerAsync(redis.Name);
        Assert.Equal(redis.Name, info.Name);
        Assert.True(info.Running);
        Assert.Equal("running", info.Status);
        Assert.Contains(info.Ports, p => p.ContainerPort == 6379 && p.HostIp == "127.0.0.1" && p.HostPort == redis.Port);
        Assert.Contains("--enable-debug-command", info.Args);

        Assert.Contains(await _docker.ListContainersAsync(), c => c.Name == redis.Name && c.Id == info.Id && c.State == "running");
        await _docker.StopContainerAsync(redis.Name, TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(await _docker.ListContainersAsync(), c => c.Name == redis.Name);
        Assert.Contains(await _docker.ListContainersAsync(all: true), c => c.Name == redis.Name && c.State == "exited");
        await _docker.StopContainerAsync(redis.Name, TimeSpan.FromSeconds(5)); // already stopped: fine
    }

    [DockerFact]
    public async Task Put_then_get_archive_round_trips_a_file_with_mode_and_owner()
    {
        await using var redis = await RedisContainer.StartAsync(_docker);
        var content = new byte[300_000];
        new Random(7).NextBytes(content);
        const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

        await _docker.PutArchiveAsync(redis.Name, "/tmp", [ArchiveEntry.File("blob.bin", new MemoryStream(content), content.Length, Mode, 999, 998)]);

        var stat = await _docker.StatPathAsync(redis.Name, "/tmp/blob.bin");
        Assert.NotNull(stat);
        Assert.Equal(content.Length, stat.Size);
        Assert.False(stat.IsDirectory);
        Assert.True((await _docker.StatPathAsync(redis.Name, "/tmp"))!.IsDirectory);
        Assert.Null(await _docker.StatPathAsync(redis.Name, "/tmp/not-there"));

        var archive = await _docker.GetArchiveAsync(redis.Name, "/tmp/blob.bin");
        await using (archive)
        {
            var entry = (await new TarReader(archive.Tar).GetNextEntryAsync())!;
            Assert.Equal("blob.bin", entry.Name);
            Assert.Equal(Mode, entry.Mode);
            Assert.Equal(999, entry.Uid);
            Assert.Equal(998, entry.Gid);
            using var copy = new MemoryStream();
            await entry.DataStream!.CopyToAsync(copy);
            Assert.Equal(content, copy.ToArray());
        }
    }

    [DockerFact]
    public async Task Missing_things_get_plain_errors()
    {
        var container = await Assert.ThrowsAsync<RedisBackupException>(() => _docker.InspectContainerAsync("redisbackup-no-such-container"));
        Assert.Equal(ErrorKind.NotFound, container.Kind);
        Assert.Equal("ContainerNotFound", container.ErrorId);
        Assert.Contains("unix://", container.Message);

        await using var redis = await RedisContainer.StartAsync(_docker);
        var path = await Assert.ThrowsAsync<RedisBackupException>(() => _docker.GetArchiveAsync(redis.Name, "/no/such/file"));
        Assert.Equal("ContainerPathNotFound", path.ErrorId);

        await _docker.StopContainerAsync(redis.Name, TimeSpan.FromSeconds(5));
        var notRunning = await Assert.ThrowsAsync<RedisBackupException>(() => _docker.ExecAsync(redis.Name, ["redis-cli", "PING"]));
        Assert.Equal("ContainerNotRunning", notRunning.ErrorId);
    }

    [Fact]
    public async Task Unreachable_engine_is_named_in_the_error()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"no-docker-{Guid.NewGuid():N}.sock");
        using var docker = DockerClient.FromEnvironment(name => name == "DOCKER_HOST" ? "unix://" + socket : null);
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => docker.InspectContainerAsync("x"));
        Assert.Equal(ErrorKind.ConnectionFailed, ex.Kind);
        Assert.Equal("DockerUnreachable", ex.ErrorId);
        Assert.StartsWith($"Cannot reach the Docker engine at unix://{socket}: ", ex.Message);
    }

    [Fact]
    public void Access_denied_on_the_socket_is_permission_denied()
    {
        // EACCES on connect() surfaces as SocketError.AccessDenied inside HttpRequestException. (Root, which runs these
        // tests in CI, is never denied, so the mapping is checked on the exception the handler would raise.)
        using var docker = DockerClient.FromEnvironment(name => name == "DOCKER_HOST" ? "unix:///run/docker.sock" : null);
        var denied = docker.TransportError(new HttpRequestException("Permission denied", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AccessDenied)));
        Assert.Equal(ErrorKind.PermissionDenied, denied.Kind);
        Assert.Equal("DockerPermissionDenied", denied.ErrorId);
        Assert.Contains("unix:///run/docker.sock", denied.Message);
        Assert.Contains("'docker' group", denied.Message);

        var refused = docker.TransportError(new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)));
        Assert.Equal("DockerUnreachable", refused.ErrorId);
    }
}
