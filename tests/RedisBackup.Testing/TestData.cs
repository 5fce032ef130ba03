namespace RedisBackup.Testing;

/// <summary>
/// Locates the real RDB files of old Redis versions: REDISBACKUP_TESTDATA (CI sets it), else ../shared/testdata found
/// above the test binaries. A test that needs them and cannot find them fails with <see cref="MissingFolder"/>.
/// </summary>
public static class TestData
{
    public const string Variable = "REDISBACKUP_TESTDATA";

    /// <summary>What a checkout without the test data is told.</summary>
    public const string MissingFolder
        = "The test data folder was not found: set " + Variable + " to the folder holding redis-7.2.6-assets/ (real RDB files of old Redis versions), or put it at ../shared/testdata beside the checkout.";

    public static string? Directory
    {
        get
        {
            var env = Environment.GetEnvironmentVariable(Variable);
            if (!string.IsNullOrEmpty(env))
            {
                if (!System.IO.Directory.Exists(env)) throw new DirectoryNotFoundException($"{Variable} names '{env}', which does not exist.");
                return env;
            }
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "testdata");
                if (System.IO.Directory.Exists(candidate)) return candidate;
                candidate = Path.Combine(dir.FullName, "..", "shared", "testdata");
                if (System.IO.Directory.Exists(candidate)) return Path.GetFullPath(candidate);
            }
            return null;
        }
    }

    /// <summary>Full path of a file under redis-7.2.6-assets; fails the test when the folder cannot be found.</summary>
    public static string RedisAsset(string name)
        => Path.Combine(Directory ?? throw new DirectoryNotFoundException(MissingFolder), "redis-7.2.6-assets", name);
}
