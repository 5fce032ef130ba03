namespace RedisBackup.Tests.Infrastructure;

/// <summary>One server build the tests can start: the apt Redis 7.0 on PATH, or a build under ../shared/servers.</summary>
public sealed record ServerVersion(string Name, string? Folder, string ServerBinary, string CliBinary)
{
    /// <summary>The server executable: a full path under the servers folder, or a name looked up on PATH.</summary>
    public string ServerPath => Folder is null ? ServerBinary : Path.Combine(ServerVersions.Root!, Folder, ServerBinary);

    /// <summary>The matching cli executable.</summary>
    public string CliPath => Folder is null ? CliBinary : Path.Combine(ServerVersions.Root!, Folder, CliBinary);

    /// <summary>True for Valkey builds.</summary>
    public bool IsValkey => ServerBinary.StartsWith("valkey", StringComparison.Ordinal);

    public override string ToString() => Name;
}

/// <summary>
/// The server-version matrix. Redis 7.0 is the apt package (redis-server on PATH); the others are read-only builds in
/// ../shared/servers. When REDISBACKUP_SERVERS is set (CI sets it), a missing folder or binary fails the tests that
/// need it; when it is not set and the folder cannot be found next to the checkout, those tests are skipped with a
/// message naming the variable.
/// </summary>
public static class ServerVersions
{
    public const string Variable = "REDISBACKUP_SERVERS";

    public static readonly ServerVersion Redis70 = new("redis-7.0", null, "redis-server", "redis-cli");
    public static readonly ServerVersion Redis72 = new("redis-7.2", "redis-7.2.6", "redis-server", "redis-cli");
    public static readonly ServerVersion Redis74 = new("redis-7.4", "redis-7.4.1", "redis-server", "redis-cli");
    public static readonly ServerVersion Valkey80 = new("valkey-8.0", "valkey-8.0.1", "valkey-server", "valkey-cli");

    /// <summary>Every version the matrix runs, oldest Redis first.</summary>
    public static IReadOnlyList<ServerVersion> All { get; } = [Redis70, Redis72, Redis74, Valkey80];

    /// <summary>Looks a version up by its <see cref="ServerVersion.Name"/> ("redis-7.4", "valkey-8.0").</summary>
    public static ServerVersion Get(string name)
        => All.FirstOrDefault(v => v.Name == name) ?? throw new ArgumentException($"Unknown server version '{name}'; known: {string.Join(", ", All)}.", nameof(name));

    /// <summary>The servers folder: REDISBACKUP_SERVERS, else shared/servers found above the test binaries, else null.</summary>
    public static string? Root => RootValue.Value;

    private static readonly Lazy<string?> RootValue = new(() =>
    {
        var env = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(env)) return Path.GetFullPath(env);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "servers"), Path.Combine(dir.FullName, "..", "shared", "servers") })
                if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return null;
    });

    /// <summary>Null when every named version can be started here; otherwise why not.</summary>
    public static string? Problem(IEnumerable<ServerVersion> versions)
    {
        foreach (var v in versions)
        {
            if (v.Folder is null) continue;
            if (Root is null) return $"the server builds folder (../shared/servers) was not found; set {Variable} to run {v.Name}";
            var path = v.ServerPath;
            if (!File.Exists(path)) return $"{path} does not exist ({Variable}={Root})";
        }
        return null;
    }

    /// <summary>Throws when <paramref name="version"/> cannot be started: the failure CI sees when a build is missing.</summary>
    public static void Require(ServerVersion version)
    {
        if (Problem([version]) is { } problem) throw new InvalidOperationException($"Cannot start {version.Name}: {problem}.");
    }

    /// <summary>True when a missing server must fail the test rather than skip it.</summary>
    public static bool Required => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Theory data: every version of the matrix.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var v in All) data.Add(v.Name);
        return data;
    }
}

/// <summary>
/// A fact that needs particular server builds (by name: "redis-7.2", "redis-7.4", "valkey-8.0"). Skipped with a message
/// naming REDISBACKUP_SERVERS when they cannot be found and the variable is not set; when it is set, the test runs and
/// fails on the missing server.
/// </summary>
public sealed class ServerFactAttribute : FactAttribute
{
    public ServerFactAttribute(params string[] versions)
    {
        if (ServerVersions.Required) return;
        if (ServerVersions.Problem(versions.Select(ServerVersions.Get)) is { } problem) Skip = $"Skipped: {problem}.";
    }
}

/// <summary>A theory over server builds (usually <see cref="ServerVersions.Names"/>); skipped or failed as <see cref="ServerFactAttribute"/>.</summary>
public sealed class ServerTheoryAttribute : TheoryAttribute
{
    public ServerTheoryAttribute()
    {
        if (ServerVersions.Required) return;
        if (ServerVersions.Problem(ServerVersions.All) is { } problem) Skip = $"Skipped: {problem}.";
    }
}
