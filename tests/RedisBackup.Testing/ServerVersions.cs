namespace RedisBackup.Testing;

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
/// ../shared/servers, or wherever REDISBACKUP_SERVERS (CI sets it) points. A test that needs a build that cannot be
/// found fails with one message naming the variable and the folders it should hold: it never skips.
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

    private static string Folders => string.Join(", ", All.Where(v => v.Folder is not null).Select(v => $"{v.Folder}/{v.ServerBinary}"));

    /// <summary>What a checkout without the server builds is told.</summary>
    public static string MissingFolder
        => $"the server builds folder was not found: set {Variable} to the folder holding {Folders}, or put it at ../shared/servers beside the checkout";

    /// <summary>Null when every named version can be started here; otherwise why not.</summary>
    public static string? Problem(IEnumerable<ServerVersion> versions)
    {
        foreach (var v in versions)
        {
            if (v.Folder is null) continue;
            if (Root is null) return MissingFolder;
            var path = v.ServerPath;
            if (!File.Exists(path)) return $"{path} does not exist ({Variable}={Root}; the folder should hold {Folders})";
        }
        return null;
    }

    /// <summary>Throws when <paramref name="version"/> cannot be started: the failure CI sees when a build is missing.</summary>
    public static void Require(ServerVersion version)
    {
        if (Problem([version]) is { } problem) throw new InvalidOperationException($"Cannot start {version.Name}: {problem}.");
    }

    /// <summary>Theory data: every version of the matrix.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var v in All) data.Add(v.Name);
        return data;
    }
}

/// <summary>
/// A fact that needs particular server builds (by name: "redis-7.2", "redis-7.4", "valkey-8.0"). It always runs: where a
/// build cannot be found, starting it fails the test with <see cref="ServerVersions.MissingFolder"/> (never a skip, so a
/// CI machine without the builds cannot pass by testing less).
/// </summary>
public sealed class ServerFactAttribute : FactAttribute
{
    public ServerFactAttribute(params string[] versions)
    {
        // Unknown names fail at discovery rather than at run time.
        foreach (var v in versions) ServerVersions.Get(v);
    }
}

/// <summary>A theory over server builds (usually <see cref="ServerVersions.Names"/>); it runs and fails as <see cref="ServerFactAttribute"/> does.</summary>
public sealed class ServerTheoryAttribute : TheoryAttribute;
