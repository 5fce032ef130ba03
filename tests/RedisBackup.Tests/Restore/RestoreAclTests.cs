using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Restore;

/// <summary>
/// What ACL a restore needs, per kind, exactly as docs/reliability.md ("Live restores", "What a restore needs from an
/// ACL user") lists it: a user with exactly those commands restores, and a logical restore whose user may not run
/// RESTORE falls back to typed writes instead of failing every key.
/// </summary>
public class RestoreAclTests
{
    /// <summary>A logical key-level restore (the default kind), skipping existing keys.</summary>
    internal static readonly string[] Logical = ["+select", "+exists", "+set", "+append", "+hset", "+rpush", "+sadd", "+zadd", "+pexpire", "+pexpireat"];

    /// <summary>An exact key-level restore or an RDB replayed into a live server.</summary>
    internal static readonly string[] Payloads = ["+select", "+restore"];

    private static async Task<RedisEndpoint> UserAsync(RedisServer server, params string[][] rights)
    {
        await using var c = await server.ConnectAsync();
        var args = new List<RedisArg> { "ACL", "SETUSER", "restorer", "reset", "on", ">pw", "~*", "-@all" };
        foreach (var set in rights) args.AddRange(set.Select(r => (RedisArg)r));
        await c.ExecuteAsync(CancellationToken.None, [.. args]);
        return server.Endpoint with { User = "restorer", Password = "pw" };
    }

    private static async Task DeleteStreamsAsync(RedisServer server)
    {
        foreach (var db in new[] { 0, 1, 5 }) await KeyFiles.RunAsync(server, db, "DEL", "stream");
    }

    [ServerTheory]
    [MemberData(nameof(ServerVersions.Names), MemberType = typeof(ServerVersions))]
    public async Task A_user_with_only_the_typed_write_commands_restores_a_logical_backup_exactly(string version)
    {
        await using var source = await RedisServer.StartVersionAsync(version);
        await Dataset.FillAsync(source);
        await DeleteStreamsAsync(source); // a stream has no logical form: it is stored as a payload, which needs RESTORE
        using var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);

        // No RESTORE, no CONFIG, no INFO: the restore falls back to typed writes and checks databases with SELECT.
        await using (var target = await RedisServer.StartVersionAsync(version))
        {
            var user = await UserAsync(target, Logical);
            var steps = new List<string>();
            RestoreResult result;
            await using (var file = File.OpenRead(path))
                result = await KeyRestorer.RestoreAsync(file, user, new RestoreOptions(), new Steps(steps), CancellationToken.None);
            Assert.True(result.Success, string.Join("; ", result.Failures.Select(f => $"{f.Key}: {f.Reason}")));
            Assert.Equal(result.Total, result.Restored);
            Assert.Contains(steps, s => s.Contains("RESTORE is not permitted", StringComparison.Ordinal));
            Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
            await ServerComparison.AssertIdenticalAsync(source, target, [0, 1, 5]);

            // Replace needs DEL as well, flush needs FLUSHDB: with them, the same user overwrites and empties.
            user = await UserAsync(target, Logical, ["+del", "+flushdb"]);
            await KeyFiles.RunAsync(target, 0, "SET", "text", "changed");
            await KeyFiles.RunAsync(target, 0, "SET", "not-in-backup", "x");
            var replaced = await KeyFiles.RestoreAsync(path, user, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Replace });
            Assert.True(replaced.Success, string.Join("; ", replaced.Failures.Select(f => $"{f.Key}: {f.Reason}")));
            var flushed = await KeyFiles.RestoreAsync(path, user, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Flush });
            Assert.True(flushed.Success, string.Join("; ", flushed.Failures.Select(f => $"{f.Key}: {f.Reason}")));
            Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
        }

        // The RESTORE path (the user may run it too) gives the same data.
        await using (var target = await RedisServer.StartVersionAsync(version))
        {
            var user = await UserAsync(target, Logical, ["+restore"]);
            var result = await KeyFiles.RestoreAsync(path, user);
            Assert.True(result.Success, string.Join("; ", result.Failures.Select(f => $"{f.Key}: {f.Reason}")));
            Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
        }
    }

    /// <summary>The commands a stream replay sends (docs/reliability.md): entries, counters, groups and consumers, pending entries.</summary>
    internal static readonly string[] StreamReplay = ["+xadd", "+xsetid", "+xgroup", "+xclaim"];

    [Fact]
    public async Task Without_RESTORE_a_stream_in_a_logical_backup_is_replayed_with_stream_commands_and_without_those_fails_with_a_reason()
    {
        await using var source = await RedisServer.StartAsync();
        await Dataset.FillAsync(source);
        using var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);

        // The stream payloads are decoded and replayed with XADD, XSETID, XGROUP and XCLAIM: the same streams.
        await using (var target = await RedisServer.StartAsync())
        {
            var user = await UserAsync(target, Logical, StreamReplay);
            var result = await KeyFiles.RestoreAsync(path, user);
            Assert.True(result.Success, string.Join("; ", result.Failures.Select(f => $"{f.Key}: {f.Reason}")));
            Assert.Equal(3, result.Replayed); // the stream of databases 0, 1 and 5
            await ServerComparison.AssertSameAsync(source, target, [0, 1, 5], sameDigests: true);
        }

        // Without the stream commands each stream fails with the server's reason, and the other keys are restored.
        await using (var target = await RedisServer.StartAsync())
        {
            var user = await UserAsync(target, Logical);
            var result = await KeyFiles.RestoreAsync(path, user);
            Assert.Equal(3, result.Failed);
            Assert.All(result.Failures, f => Assert.Equal("stream", f.Key));
            Assert.All(result.Failures, f => Assert.Contains("NOPERM", f.Reason, StringComparison.Ordinal));
            Assert.Equal(result.Total - 3, result.Restored);
            Assert.False(result.Success);
        }
    }

    [Fact]
    public async Task A_user_with_only_SELECT_and_RESTORE_restores_an_exact_backup_and_an_RDB_and_without_RESTORE_nothing_is_written()
    {
        await using var source = await RedisServer.StartAsync();
        await Dataset.FillAsync(source);
        using var dir = new TempDirectory();
        var exact = dir.Combine("exact.jsonl.gz");
        await KeyFiles.ExportAsync(source, exact, new KeyExportOptions { Exact = true });
        await KeyFiles.RunAsync(source, 0, "SAVE");
        var rdb = Path.Combine(source.Directory, "dump.rdb");

        foreach (var replay in new Func<RedisEndpoint, Task<RestoreResult>>[]
                 {
                     ep => KeyFiles.RestoreAsync(exact, ep),
                     async ep => { await using var f = File.OpenRead(rdb); return await RdbLiveRestorer.RestoreAsync(f, ep, new RestoreOptions(), null, CancellationToken.None); },
                 })
        {
            await using (var target = await RedisServer.StartAsync())
            {
                var result = await replay(await UserAsync(target, Payloads));
                Assert.True(result.Success, string.Join("; ", result.Failures.Select(f => $"{f.Key}: {f.Reason}")));
                Assert.Equal(await source.DigestAsync(), await target.DigestAsync());
            }

            await using (var target = await RedisServer.StartAsync())
            {
                var ex = await Assert.ThrowsAsync<RedisBackupException>(async () => await replay(await UserAsync(target, ["+select", "+set", "+exists"])));
                Assert.Equal("RestoreNotPermitted", ex.ErrorId);
                Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
                Assert.Contains("+restore", ex.Message, StringComparison.Ordinal);
                Assert.Contains("Nothing was written", ex.Message, StringComparison.Ordinal);
                await using var c = await target.ConnectAsync();
                Assert.Empty(KeyExporter.ParseKeyspace(await c.InfoAsync("keyspace")));
            }
        }
    }

    private sealed class Steps(List<string> steps) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value)
        {
            if (value.IsStep) lock (steps) steps.Add(value.Status);
        }
    }
}
