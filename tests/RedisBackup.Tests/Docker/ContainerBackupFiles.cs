using System.IO.Compression;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Docker;

/// <summary>RDB files for the container restore tests, written by real servers on the host (no container needed).</summary>
internal static class ContainerBackupFiles
{
    /// <summary>
    /// An uncompressed RDB of about 40 MB (300,000 keys of 100-byte values, rdbcompression off), large enough that
    /// copying it into a container takes a while and reports progress more than once. Returns the file and its key count.
    /// </summary>
    public static async Task<(string Path, long Keys)> LargeAsync(string directory, int keys = 300_000)
    {
        await using var server = await RedisServer.StartAsync("--rdbcompression", "no");
        await using (var c = await server.ConnectAsync())
        {
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", keys, "key", 100);
            await c.ExecuteAsync(CancellationToken.None, "SET", "marker", "large-backup");
            await c.ExecuteAsync(CancellationToken.None, "SAVE");
        }
        var path = System.IO.Path.Combine(directory, $"large-{Guid.NewGuid():N}.rdb");
        File.Copy(System.IO.Path.Combine(server.Directory, "dump.rdb"), path);
        return (path, keys + 1);
    }

    /// <summary>A small RDB written by <paramref name="version"/> (e.g. Redis 7.2: RDB 11) holding a few keys.</summary>
    public static async Task<string> SmallAsync(string directory, ServerVersion version)
    {
        await using var server = await RedisServer.StartAsync(version);
        await using (var c = await server.ConnectAsync())
        {
            for (var i = 0; i < 50; i++) await c.ExecuteAsync(CancellationToken.None, "SET", $"k{i}", $"value from {version.Name} {i}");
            await c.ExecuteAsync(CancellationToken.None, "HSET", "h", "f", "v");
            await c.ExecuteAsync(CancellationToken.None, "SAVE");
        }
        var path = System.IO.Path.Combine(directory, $"{version.Name}-{Guid.NewGuid():N}.rdb");
        File.Copy(System.IO.Path.Combine(server.Directory, "dump.rdb"), path);
        return path;
    }

    /// <summary>A gzip copy next to <paramref name="rdb"/> (name.rdb.gz), as the catalog stores compressed snapshots.</summary>
    public static string Gzip(string rdb)
    {
        var gz = rdb + ".gz";
        using var input = File.OpenRead(rdb);
        using var output = File.Create(gz);
        using (var zip = new GZipStream(output, CompressionLevel.Fastest)) input.CopyTo(zip);
        return gz;
    }
}
