namespace RedisBackup.Tests.Infrastructure;

/// <summary>Locates ../shared/testdata. When REDISBACKUP_TESTDATA is set (CI does), a missing folder is a failure.</summary>
public static class TestData
{
    public static string? Directory
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("REDISBACKUP_TESTDATA");
            if (!string.IsNullOrEmpty(env))
            {
                if (!System.IO.Directory.Exists(env)) throw new DirectoryNotFoundException($"REDISBACKUP_TESTDATA names '{env}', which does not exist.");
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
        => Path.Combine(Directory ?? throw new DirectoryNotFoundException("../shared/testdata was not found; set REDISBACKUP_TESTDATA."), "redis-7.2.6-assets", name);
}
