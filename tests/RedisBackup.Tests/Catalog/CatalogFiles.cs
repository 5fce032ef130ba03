using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

/// <summary>Real backup content for catalog tests: RDB files written by a real redis-server, seed-format JSON, and commits through the catalog.</summary>
internal static class CatalogFiles
{
    private static readonly Lazy<Task<byte[]>> SavedRdb = new(() => SaveRdbAsync(5));

    /// <summary>An RDB written by a real redis-server's SAVE, holding 5 keys (string, hash, list, set, zset).</summary>
    public static Task<byte[]> RealRdbAsync() => SavedRdb.Value;

    public static async Task<byte[]> SaveRdbAsync(int keys)
    {
        await using var server = await RedisServer.StartAsync();
        await FillAsync(server, keys);
        await using (var c = await server.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "SAVE");
        return await File.ReadAllBytesAsync(Path.Combine(server.Directory, "dump.rdb"));
    }

    private static readonly Lazy<Task<byte[]>> ExportedKeys = new(() => ExportKeysAsync(200));

    /// <summary>A key-level export (our gzip JSON Lines) of a real redis-server holding 200 keys of mixed types.</summary>
    public static Task<byte[]> RealKeyFileAsync() => ExportedKeys.Value;

    public static async Task<byte[]> ExportKeysAsync(int keys)
    {
        await using var server = await RedisServer.StartAsync();
        await FillAsync(server, keys);
        using var ms = new MemoryStream();
        await KeyExporter.ExportAsync(server.Endpoint, new KeyExportOptions(), ms, null, CancellationToken.None);
        return ms.ToArray();
    }

    public static async Task FillAsync(RedisServer server, int keys)
    {
        await using var c = await server.ConnectAsync();
        for (var i = 0; i < keys; i++)
        {
            switch (i % 5)
            {
                case 0: await c.ExecuteAsync(CancellationToken.None, "SET", $"s:{i}", "value"); break;
                case 1: await c.ExecuteAsync(CancellationToken.None, "HSET", $"h:{i}", "f", "v"); break;
                case 2: await c.ExecuteAsync(CancellationToken.None, "RPUSH", $"l:{i}", "a", "b"); break;
                case 3: await c.ExecuteAsync(CancellationToken.None, "SADD", $"set:{i}", "m"); break;
                default: await c.ExecuteAsync(CancellationToken.None, "ZADD", $"z:{i}", "1.5", "m"); break;
            }
        }
    }

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    /// <summary>A backup in the seed Python service's format (json.dumps default separators).</summary>
    public static byte[] SeedJson(string timestamp, string createdAt)
        => Encoding.UTF8.GetBytes($"{{\"timestamp\": \"{timestamp}\", \"created_at\": \"{createdAt}\", \"data\": {{\"user:1\": {{\"type\": \"string\", \"value\": \"alice\", \"ttl\": -1}}}}}}");

    /// <summary>Writes <paramref name="content"/> through the catalog's pending/commit path.</summary>
    public static BackupRecord Commit(BackupCatalog catalog, byte[] content, BackupKind kind = BackupKind.Snapshot, BackupFormat format = BackupFormat.Rdb,
        bool compressed = false, DateTimeOffset? createdAt = null, bool verified = true, long? keys = 5, string? label = null)
    {
        using var pending = catalog.CreatePending(kind, format, compressed, createdAt ?? DateTimeOffset.UtcNow, label);
        pending.Stream.Write(content);
        return catalog.Commit(pending, new BackupMetadata { KeyCount = keys, Source = "redis://127.0.0.1:6379", ServerVersion = "7.0.15", Verified = verified });
    }

    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {stderr}");
        return stdout.Result;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static UnixFileMode Mode(string path) => File.GetUnixFileMode(path);
}
