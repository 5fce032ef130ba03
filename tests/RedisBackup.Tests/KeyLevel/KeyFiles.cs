using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>Export/restore shortcuts for tests.</summary>
internal static class KeyFiles
{
    public static async Task<KeyExportSummary> ExportAsync(RedisServer server, string path, KeyExportOptions? options = null)
    {
        await using var file = File.Create(path);
        return await KeyExporter.ExportAsync(server.Endpoint, options ?? new KeyExportOptions(), file, null, CancellationToken.None);
    }

    public static async Task<RestoreResult> RestoreAsync(string path, RedisEndpoint target, RestoreOptions? options = null)
    {
        await using var file = File.OpenRead(path);
        return await KeyRestorer.RestoreAsync(file, target, options ?? new RestoreOptions(), null, CancellationToken.None);
    }

    public static async Task<string?> GetAsync(RedisServer server, int db, string key)
    {
        await using var c = await server.ConnectAsync();
        await c.SelectAsync(db);
        return (await c.ExecuteAsync(CancellationToken.None, "GET", key)).AsString();
    }

    public static async Task<RespValue> RunAsync(RedisServer server, int db, params RedisArg[] args)
    {
        await using var c = await server.ConnectAsync();
        await c.SelectAsync(db);
        return await c.ExecuteAsync(CancellationToken.None, args);
    }
}

/// <summary>A clock pinned to one instant.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
