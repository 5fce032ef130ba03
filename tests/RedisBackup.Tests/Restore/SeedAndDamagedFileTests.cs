using System.IO.Compression;
using System.Text;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Export;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Restore;

public class SeedAndDamagedFileTests
{
    /// <summary>A file shaped like the seed service's: one object, TTL in relative seconds, zsets both ways.</summary>
    private static string SeedJson()
    {
        var sb = new StringBuilder();
        sb.Append("{\"timestamp\": \"20231205_143022\", \"created_at\": \"2023-12-05T14:30:22.123456\", \"data\": {");
        sb.Append("\"user:1\": {\"type\": \"hash\", \"value\": {\"name\": \"John\", \"age\": \"25\", \"bio\": \"caf\\u00e9 \\\"q\\\"\"}, \"ttl\": null}, ");
        sb.Append("\"queue:users\": {\"type\": \"list\", \"value\": [\"123456\", \"789012\"], \"ttl\": -1}, ");
        sb.Append("\"greeting\": {\"type\": \"string\", \"value\": \"hello\", \"ttl\": 3600}, ");
        sb.Append("\"tags\": {\"type\": \"set\", \"value\": [\"a\", \"b\", \"c\"], \"ttl\": 120.5}, ");
        sb.Append("\"scores:dict\": {\"type\": \"zset\", \"value\": {\"alice\": 0.1, \"bob\": 3.141592653589793238, \"carol\": 1e308}, \"ttl\": null}, ");
        sb.Append("\"scores:pairs\": {\"type\": \"zset\", \"value\": [[\"x\", 1.5], [\"y\", \"-inf\"]], \"ttl\": null}, ");
        sb.Append("\"big:list\": {\"type\": \"list\", \"value\": [");
        for (var i = 0; i < 5000; i++) sb.Append(i == 0 ? "" : ", ").Append('"').Append("item").Append(i).Append('"');
        sb.Append("], \"ttl\": 600}");
        sb.Append("}}");
        return sb.ToString();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Restores_a_seed_service_file(bool gzip)
    {
        using var dir = new TempDirectory();
        var path = dir.Combine(gzip ? "redis_backup.json.gz" : "redis_backup.json");
        var bytes = Encoding.UTF8.GetBytes(SeedJson());
        await using (var f = File.Create(path))
        {
            if (gzip)
            {
                await using var gz = new GZipStream(f, CompressionLevel.Fastest);
                await gz.WriteAsync(bytes);
            }
            else await f.WriteAsync(bytes);
        }

        await using (var f = File.OpenRead(path))
        {
            var check = await KeyFileVerifier.VerifyAsync(f);
            Assert.True(check.IsSeedFormat);
            Assert.Equal(7, check.Keys);
        }

        await using var target = await RedisServer.StartAsync();
        var result = await KeyFiles.RestoreAsync(path, target.Endpoint);
        Assert.Equal(7, result.Restored);
        Assert.Equal(7, result.Total);
        Assert.Equal("John", (await KeyFiles.RunAsync(target, 0, "HGET", "user:1", "name")).AsString());
        Assert.Equal("café \"q\"", (await KeyFiles.RunAsync(target, 0, "HGET", "user:1", "bio")).AsString());
        Assert.Equal(["123456", "789012"], (await KeyFiles.RunAsync(target, 0, "LRANGE", "queue:users", "0", "-1")).AsArray().Select(v => v.AsString()));
        Assert.Equal(-1, (await KeyFiles.RunAsync(target, 0, "TTL", "queue:users")).AsInt64());
        Assert.InRange((await KeyFiles.RunAsync(target, 0, "TTL", "greeting")).AsInt64(), 3590, 3600);
        Assert.InRange((await KeyFiles.RunAsync(target, 0, "PTTL", "tags")).AsInt64(), 110_000, 120_500);
        Assert.Equal("0.10000000000000001", (await KeyFiles.RunAsync(target, 0, "ZSCORE", "scores:dict", "alice")).AsString());
        Assert.Equal("3.1415926535897931", (await KeyFiles.RunAsync(target, 0, "ZSCORE", "scores:dict", "bob")).AsString());
        Assert.Equal("1e+308", (await KeyFiles.RunAsync(target, 0, "ZSCORE", "scores:dict", "carol")).AsString());
        Assert.Equal("-inf", (await KeyFiles.RunAsync(target, 0, "ZSCORE", "scores:pairs", "y")).AsString());
        Assert.Equal(5000, (await KeyFiles.RunAsync(target, 0, "LLEN", "big:list")).AsInt64());
        Assert.Equal("item4999", (await KeyFiles.RunAsync(target, 0, "LINDEX", "big:list", "-1")).AsString());
        Assert.InRange((await KeyFiles.RunAsync(target, 0, "TTL", "big:list")).AsInt64(), 590, 600);

        // Restoring again skips everything (the seed's overwrite=false).
        var again = await KeyFiles.RestoreAsync(path, target.Endpoint);
        Assert.Equal(7, again.Skipped);
    }

    [Fact]
    public async Task A_truncated_seed_file_is_refused()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("cut.json");
        var json = SeedJson();
        await File.WriteAllTextAsync(path, json[..(json.Length / 2)]);
        await using var f = File.OpenRead(path);
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => KeyFileVerifier.VerifyAsync(f));
        Assert.Equal("BackupTruncated", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
    }

    private static async Task<(RedisServer Server, TempDirectory Dir, string Path)> ExportSomeAsync()
    {
        var server = await RedisServer.StartAsync();
        await Dataset.FillAsync(server);
        var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        await KeyFiles.ExportAsync(server, path);
        return (server, dir, path);
    }

    private static List<string> Lines(string path)
    {
        using var f = File.OpenRead(path);
        using var gz = new GZipStream(f, CompressionMode.Decompress);
        using var r = new StreamReader(gz);
        var lines = new List<string>();
        while (r.ReadLine() is { } l) lines.Add(l);
        return lines;
    }

    private static void WriteLines(string path, IEnumerable<string> lines)
    {
        using var f = File.Create(path);
        using var gz = new GZipStream(f, CompressionLevel.Fastest);
        foreach (var l in lines) gz.Write(Encoding.UTF8.GetBytes(l + "\n"));
    }

    [Fact]
    public async Task A_file_without_its_trailer_is_refused_as_truncated()
    {
        var (server, dir, path) = await ExportSomeAsync();
        await using var _ = server;
        using var __ = dir;
        var lines = Lines(path);
        Assert.StartsWith("{\"rec\":\"header\"", lines[0]);
        Assert.StartsWith("{\"rec\":\"trailer\"", lines[^1]);
        var cut = dir.Combine("cut.jsonl.gz");
        WriteLines(cut, lines.Take(lines.Count - 1));
        await using (var f = File.OpenRead(cut))
        {
            var ex = await Assert.ThrowsAsync<RedisBackupException>(() => KeyFileVerifier.VerifyAsync(f));
            Assert.Equal("BackupTruncated", ex.ErrorId);
            Assert.Contains($"no trailer record after {lines.Count - 2} records", ex.Message);
        }

        // The restorer refuses it too, at the end, and says exactly how far it got.
        await using var target = await RedisServer.StartAsync();
        var ex2 = await Assert.ThrowsAsync<RestoreInterruptedException>(() => KeyFiles.RestoreAsync(cut, target.Endpoint));
        Assert.Equal("BackupTruncated", ex2.ErrorId);
        Assert.False(ex2.Partial.Complete);
        Assert.Equal(0, ex2.Partial.Unconfirmed);
        // Every key written so far is on the target, in whichever of the backup's databases (0, 1, 5) the stop came.
        Assert.Equal(await ServerComparison.DbSizeAsync(target, 0) + await ServerComparison.DbSizeAsync(target, 1) + await ServerComparison.DbSizeAsync(target, 5), ex2.Partial.Restored);
        Assert.Contains($"Keys written so far: {ex2.Partial.Restored}", ex2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_cut_in_the_middle_of_the_gzip_stream_is_refused()
    {
        var (server, dir, path) = await ExportSomeAsync();
        await using var _ = server;
        using var __ = dir;
        var bytes = await File.ReadAllBytesAsync(path);
        var cut = dir.Combine("half.jsonl.gz");
        await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length / 2)]);
        await using var f = File.OpenRead(cut);
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => KeyFileVerifier.VerifyAsync(f));
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Contains(ex.ErrorId, new[] { "BackupTruncated", "BackupCorrupt" });
    }

    [Fact]
    public async Task A_trailer_whose_counts_do_not_match_is_refused()
    {
        var (server, dir, path) = await ExportSomeAsync();
        await using var _ = server;
        using var __ = dir;
        var lines = Lines(path);
        var bad = dir.Combine("bad.jsonl.gz");
        lines.RemoveAt(1); // lose one record
        WriteLines(bad, lines);
        await using var f = File.OpenRead(bad);
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => KeyFileVerifier.VerifyAsync(f));
        Assert.Equal("BackupCorrupt", ex.ErrorId);
        Assert.Contains("the trailer counts", ex.Message);
    }

    [Theory]
    [InlineData("{\"rec\":\"key\",\"db\":0,\"key\":\"x\",\"type\":\"string\",\"dump\":\"AAA*\"}", "record 2 is invalid")]
    [InlineData("{\"rec\":\"key\",\"db\":0,\"key\":\"x\",\"type\":\"set\",\"value\":[\"a\",{\"b64\":\"Zm9v!\"}]}", "record 2 is invalid")]
    [InlineData("{\"rec\":\"key\",\"db\":0,\"key\":\"x\",\"type\":\"hash\",\"value\":[\"f\",\"v\",\"odd\"]}", "wrong shape (3 items)")]
    [InlineData("{\"rec\":\"key\",\"db\":0,\"key\":\"x\",\"type\":\"list\",\"value\":[\"\\ud800\"]}", "record 2 is invalid")]
    public async Task Verification_checks_every_value_without_keeping_it(string badRecord, string expected)
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("bad.jsonl.gz");
        WriteLines(path,
        [
            "{\"rec\":\"header\",\"format\":\"redisbackup-keys\",\"version\":1,\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"createdAtMs\":1704067200000,\"source\":{\"address\":\"x:1\",\"version\":null,\"role\":null},\"options\":{\"databases\":null,\"match\":null,\"types\":null,\"exact\":false}}",
            badRecord,
            "{\"rec\":\"trailer\",\"keys\":1,\"records\":1,\"databases\":{\"0\":1},\"vanished\":0,\"duplicates\":0,\"completedAt\":\"2024-01-01T00:00:00.000Z\"}",
        ]);
        await using var f = File.OpenRead(path);
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => KeyFileVerifier.VerifyAsync(f));
        Assert.Equal("BackupCorrupt", ex.ErrorId);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public async Task A_flipped_byte_in_the_gzip_data_is_refused()
    {
        var (server, dir, path) = await ExportSomeAsync();
        await using var _ = server;
        using var __ = dir;
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0x55;
        var bad = dir.Combine("flip.jsonl.gz");
        await File.WriteAllBytesAsync(bad, bytes);
        await using var f = File.OpenRead(bad);
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => KeyFileVerifier.VerifyAsync(f));
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
    }

    [Fact]
    public async Task Cancelling_an_export_throws_operation_canceled()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var c = await server.ConnectAsync())
        {
            for (var i = 0; i < 30_000; i++) c.WriteCommand("SET", "key:" + i, "value");
            await c.FlushAsync();
            for (var i = 0; i < 30_000; i++) await c.ReadReplyAsync();
        }
        using var dir = new TempDirectory();
        using var cts = new CancellationTokenSource();
        var progress = new CancelOnCounter(cts);
        await using var file = File.Create(dir.Combine("k.jsonl.gz"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => KeyExporter.ExportAsync(server.Endpoint, new KeyExportOptions(), file, progress, cts.Token));
        Assert.True(progress.Seen);
    }

    private sealed class CancelOnCounter(CancellationTokenSource cts) : IProgress<OperationProgress>
    {
        public bool Seen { get; private set; }

        public void Report(OperationProgress value)
        {
            if (value.IsStep || value.Done == 0) return;
            Seen = true;
            cts.Cancel();
        }
    }
}
