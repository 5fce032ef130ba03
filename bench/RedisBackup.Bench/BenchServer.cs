namespace RedisBackup.Bench;

/// <summary>The benchmark's servers: the apt redis-server (7.0) of the shared harness, in the run's work folder, with diskless replication without delay and a 10-minute command timeout.</summary>
internal static class BenchServer
{
    public static Task<RedisServer> StartAsync(string name, string workDir, CancellationToken ct, params string[] extraArgs)
        => RedisServer.StartAsync(
            ServerVersions.Redis70,
            new RedisServerOptions { Name = name, ParentDirectory = workDir, CommandTimeout = TimeSpan.FromMinutes(10) },
            ct,
            ["--repl-diskless-sync-delay", "0", .. extraArgs]);
}
