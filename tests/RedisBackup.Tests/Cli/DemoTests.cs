using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Tests.Cli;

/// <summary>redis-backup demo: the README's first command, which needs nothing of the user's but a redis-server on PATH.</summary>
public sealed class DemoTests
{
    private static int DemoDirectories() => Directory.GetDirectories(Path.GetTempPath(), "redisbackup-demo-*").Length;

    [Fact(Timeout = 120_000)]
    public async Task The_demo_backs_up_three_ways_restores_each_identically_and_leaves_nothing_behind()
    {
        var before = DemoDirectories();
        var run = await CliRun.RunProcessAsync(null, "demo");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Loaded 117 sample keys", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("float32 embeddings", run.Stdout, StringComparison.Ordinal);
        foreach (var what in new[] { "logical key-level backup", "exact key-level backup", "RDB snapshot over replication" })
            Assert.Contains($"Restored the {what}", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(3, run.Stdout.Split('\n').Count(l => l.Contains("and every TTL match the source", StringComparison.Ordinal)));
        Assert.EndsWith("Demo passed: every restore of the 117 sample keys is identical to the source.", run.Stdout.TrimEnd(), StringComparison.Ordinal);
        Assert.True(DemoDirectories() <= before, "the demo left a directory behind");
    }

    [Fact(Timeout = 60_000)]
    public async Task Without_a_redis_server_the_demo_says_what_to_install()
    {
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => DemoOperation.RunAsync("/nonexistent/redis-server"));
        Assert.Equal("DemoServerNotFound", ex.ErrorId);
        var run = await CliRun.RunProcessAsync(new Dictionary<string, string?> { ["PATH"] = "/nonexistent" }, "demo");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no redis-server (or valkey-server) is on PATH", run.Stderr, StringComparison.Ordinal);
    }
}
