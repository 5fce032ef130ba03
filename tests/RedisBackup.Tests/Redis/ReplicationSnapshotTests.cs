using System.Net.Sockets;
using System.Text;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Redis;

public class ReplicationSnapshotTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task Populate(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        for (var db = 0; db < 3; db++)
        {
            c.WriteCommand("SELECT", db);
            for (var i = 0; i < 2000; i++)
            {
                c.WriteCommand("SET", $"s:{db}:{i}", new string('v', i % 50));
                c.WriteCommand("HSET", $"h:{db}:{i % 100}", $"f{i}", i);
                c.WriteCommand("RPUSH", $"l:{db}:{i % 10}", i);
                c.WriteCommand("ZADD", $"z:{db}", (i * 0.5).ToString(System.Globalization.CultureInfo.InvariantCulture), $"m{i}");
            }
            c.WriteCommand("PEXPIRE", $"s:{db}:1", 3_600_000);
            c.WriteCommand("XADD", $"x:{db}", "*", "a", "1");
        }
        c.WriteCommand("SELECT", 0);
        await c.FlushAsync();
        for (var i = 0; i < 3 * (1 + 4 * 2000 + 2) + 1; i++) (await c.ReadReplyAsync()).ThrowIfError();
    }

    /// <summary>Starts a server that loads <paramref name="rdb"/> at startup and returns its DEBUG DIGEST.</summary>
    private static async Task<string> DigestAfterLoading(string rdb)
    {
        using var dir = new TempDirectory();
        File.Copy(rdb, dir.Combine("dump.rdb"));
        await using var loaded = await RedisServer.StartAsync("--dir", dir.Path, "--dbfilename", "dump.rdb");
        return await loaded.DigestAsync();
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("no")]
    public async Task Download_equals_Redis_CLI_RDB_after_loading(string diskless)
    {
        await using var server = await RedisServer.StartAsync("--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0");
        await Populate(server);
        using var dir = new TempDirectory();
        var ours = dir.Combine("ours.rdb");
        ReplicationSnapshotInfo info;
        await using (var f = File.Create(ours))
            info = await ReplicationSnapshot.DownloadAsync(server.Endpoint, f, null, None);
        Assert.Equal(diskless == "yes", info.Diskless);
        Assert.Equal(new FileInfo(ours).Length, info.Bytes);
        Assert.Equal("7.", info.ServerVersion![..2]);

        var theirs = dir.Combine("cli.rdb");
        server.Cli("--rdb", theirs);

        // Same key summary as redis-cli's file, walked by our RDB verifier.
        RdbSummary ourSummary, cliSummary;
        await using (var f = File.OpenRead(ours)) ourSummary = await RdbVerifier.VerifyAsync(f);
        await using (var f = File.OpenRead(theirs)) cliSummary = await RdbVerifier.VerifyAsync(f);
        Assert.Equal(3 * (2000 + 100 + 10 + 1 + 1), ourSummary.Keys);
        Assert.Equal(cliSummary.Keys, ourSummary.Keys);
        Assert.Equal(cliSummary.KeysWithExpiry, ourSummary.KeysWithExpiry);
        Assert.Equal(3, ourSummary.KeysWithExpiry);
        Assert.Equal(cliSummary.KeysPerDatabase.OrderBy(p => p.Key), ourSummary.KeysPerDatabase.OrderBy(p => p.Key));

        var source = await server.DigestAsync();
        Assert.Equal(source, await DigestAfterLoading(ours));
        Assert.Equal(source, await DigestAfterLoading(theirs));
        // Both are complete RDB files: magic at the start, EOF opcode + 8-byte checksum at the end.
        var bytes = await File.ReadAllBytesAsync(ours);
        Assert.Equal("REDIS", Encoding.ASCII.GetString(bytes, 0, 5));
        Assert.Equal(0xFF, bytes[^9]);
        // The server closed the replication link afterwards (rdb-only): no replica is left attached.
        await using var c = await server.ConnectAsync();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (RedisConnection.ParseInfo((await c.ExecuteAsync(None, "INFO", "replication")).AsString()!)["connected_slaves"] != "0" && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal("0", RedisConnection.ParseInfo((await c.ExecuteAsync(None, "INFO", "replication")).AsString()!)["connected_slaves"]);
    }

    [Fact]
    public async Task Works_with_an_ACL_user_allowed_to_replicate()
    {
        await using var server = await RedisServer.StartAsync("--repl-diskless-sync-delay", "0");
        await Populate(server);
        await using (var admin = await server.ConnectAsync())
            await admin.ExecuteAsync(None, "ACL", "SETUSER", "backup", "on", ">pw", "+sync", "+replconf", "+info", "+ping");
        using var ms = new MemoryStream();
        var info = await ReplicationSnapshot.DownloadAsync(server.Endpoint with { User = "backup", Password = "pw" }, ms, null, None);
        Assert.True(info.Bytes > 1000);
    }

    [Theory]
    [InlineData("+replconf")]          // may REPLCONF but not SYNC
    [InlineData("+get")]               // may not even REPLCONF
    public async Task AUserWithoutSyncRightsGetsAClearRefusal(string rights)
    {
        await using var server = await RedisServer.StartAsync();
        await using (var admin = await server.ConnectAsync())
            await admin.ExecuteAsync(None, "ACL", "SETUSER", "app", "on", ">pw", "~*", rights, "+info");
        using var ms = new MemoryStream();
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => ReplicationSnapshot.DownloadAsync(server.Endpoint with { User = "app", Password = "pw" }, ms, null, None));
        Assert.Equal(ErrorKind.PermissionDenied, ex.Kind); // a NOPERM refusal is a missing right, not an unsupported operation
        Assert.Equal("ReplicationRefused", ex.ErrorId);
        Assert.Contains("NOPERM", ex.Message, StringComparison.Ordinal);
        Assert.Contains("key-level", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_renamed_sync_command_is_a_refusal()
    {
        await using var server = await RedisServer.StartAsync("--rename-command", "SYNC", "", "--rename-command", "PSYNC", "");
        using var ms = new MemoryStream();
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => ReplicationSnapshot.DownloadAsync(server.Endpoint, ms, null, None));
        Assert.Equal("ReplicationRefused", ex.ErrorId);
    }

    [Fact]
    public async Task Cancellation_stops_the_download()
    {
        // A large diskless transfer rate-limited by a slow save keeps the download busy long enough to cancel it.
        await using var server = await RedisServer.StartAsync("--repl-diskless-sync-delay", "0", "--rdb-key-save-delay", "200");
        await using (var c = await server.ConnectAsync())
            await c.ExecuteAsync(None, "DEBUG", "POPULATE", 50_000, "k", 100);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        using var ms = new MemoryStream();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReplicationSnapshot.DownloadAsync(server.Endpoint, ms, null, cts.Token));
    }

    // ---- Protocol edge cases against a scripted peer ----

    private static async Task<(byte[] Data, ReplicationSnapshotInfo Info)> AgainstScript(Func<Socket, Task> script, double timeoutSeconds = 5)
    {
        var (port, serve) = ReplicationPeer.Start(script, oldServer: true); // INFO refused and no rdb-only: tolerated
        using var ms = new MemoryStream();
        var info = await ReplicationSnapshot.DownloadAsync(new RedisEndpoint { Port = port, CommandTimeout = TimeSpan.FromSeconds(timeoutSeconds) }, ms, null, None);
        await serve;
        return (ms.ToArray(), info);
    }

    private static async Task SendSlowly(Socket s, byte[] bytes, int chunk)
    {
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            await s.SendAsync(bytes.AsMemory(i, Math.Min(chunk, bytes.Length - i)));
            if (i % (chunk * 64) == 0) await Task.Delay(1);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(39)]
    [InlineData(4096)]
    public async Task Diskless_form_with_keepalives_and_a_mark_split_across_reads(int chunk)
    {
        var payload = new byte[100_000];
        new Random(chunk).NextBytes(payload);
        var mark = new string('a', 20) + new string('0', 20);
        var (data, info) = await AgainstScript(async s =>
        {
            await s.SendAsync("\n\n\n"u8.ToArray());
            await SendSlowly(s, Encoding.ASCII.GetBytes($"$EOF:{mark}\r\n").Concat(payload).Concat(Encoding.ASCII.GetBytes(mark)).ToArray(), chunk);
        });
        Assert.True(info.Diskless);
        Assert.Equal(payload, data);
    }

    [Fact]
    public async Task Disk_form_reads_exactly_the_announced_length()
    {
        var payload = Encoding.ASCII.GetBytes("REDIS0010" + new string('x', 5000));
        var (data, info) = await AgainstScript(async s =>
        {
            await s.SendAsync("\n+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n\n"u8.ToArray());
            await SendSlowly(s, Encoding.ASCII.GetBytes($"${payload.Length}\r\n").Concat(payload).Concat("*1\r\n$4\r\nPING\r\n"u8.ToArray()).ToArray(), 333);
        });
        Assert.False(info.Diskless);
        Assert.Equal(payload, data);
    }

    [Theory]
    [InlineData("$100\r\nshort", "ReplicationConnectionClosed")]
    [InlineData("$EOF:0123456789012345678901234567890123456789\r\nno mark follows", "ReplicationConnectionClosed")]
    [InlineData("-NOMASTERLINK Can't SYNC while not connected with my master\r\n", "ReplicationRefused")]
    [InlineData("hello\r\n", "ReplicationProtocolError")]
    [InlineData("$EOF:short\r\n", "ReplicationProtocolError")]
    public async Task Broken_transfers_are_clear_errors(string wire, string errorId)
    {
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => AgainstScript(s => s.SendAsync(Encoding.ASCII.GetBytes(wire))));
        Assert.Equal(errorId, ex.ErrorId);
    }

    [Fact]
    public async Task A_server_that_goes_silent_mid_transfer_times_out()
    {
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => AgainstScript(async s =>
        {
            await s.SendAsync("$1000\r\nREDIS0010"u8.ToArray());
            await Task.Delay(3000);
        }, timeoutSeconds: 1));
        Assert.Equal(ErrorKind.Timeout, ex.Kind);
        Assert.Equal("ReplicationTimeout", ex.ErrorId);
    }
}
