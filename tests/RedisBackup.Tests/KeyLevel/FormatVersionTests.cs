using System.IO.Compression;
using System.Text;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Catalog;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.KeyLevel;

/// <summary>
/// The key-level format's versioning: a header's <c>requires</c> list names what a reader must understand; a reader
/// refuses a file that requires something it does not know (or a newer major version), and reads files without the list.
/// </summary>
public class FormatVersionTests
{
    private const string Key = """{"rec":"key","db":0,"key":"h","type":"hash","value":["a","1","b","2"]}""";

    private static string Header(string extra) =>
        $$$"""{"rec":"header","format":"redisbackup-keys",{{{extra}}},"createdAt":"2026-11-22T11:32:19.123Z","createdAtMs":1795347139123,"source":{"address":"127.0.0.1:6379","version":"9.9.0","role":"master"},"options":{"databases":null,"match":null,"types":null,"exact":false}}""";

    private const string Trailer = """{"rec":"trailer","keys":1,"records":1,"databases":{"0":1},"vanished":0,"duplicates":0,"completedAt":"2026-11-22T11:32:21.456Z"}""";

    private static byte[] File(params string[] lines)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))));
        return ms.ToArray();
    }

    private static async Task<KeyFileSummary> VerifyAsync(byte[] file)
    {
        using var ms = new MemoryStream(file);
        return await KeyFileVerifier.VerifyAsync(ms);
    }

    [Fact]
    public async Task A_file_that_requires_something_unknown_is_refused_naming_it_and_saying_it_is_newer()
    {
        var file = File(Header("\"version\":2,\"minor\":7,\"requires\":[\"fieldTtl\",\"somethingNew\"]"), Key, Trailer);
        var refused = await Assert.ThrowsAsync<RedisBackupException>(() => VerifyAsync(file));
        Assert.Equal("BackupFormatTooNew", refused.ErrorId);
        Assert.Equal(ErrorKind.NotSupported, refused.Kind);
        Assert.Contains("'somethingNew'", refused.Message);
        Assert.DoesNotContain("'fieldTtl'", refused.Message); // known, so not named as the problem
        Assert.Contains("written by a newer redis-backup", refused.Message);

        // A restore refuses it before writing anything, whether or not it verifies first.
        await using var target = await RedisServer.StartAsync();
        using var dir = new TempDirectory();
        var path = dir.Combine("redis-keys-20261122-113219.jsonl.gz");
        await System.IO.File.WriteAllBytesAsync(path, file);
        var direct = await Assert.ThrowsAsync<RedisBackupException>(() => KeyFiles.RestoreAsync(path, target.Endpoint));
        Assert.Equal("BackupFormatTooNew", direct.ErrorId);
        var checkedFirst = await Assert.ThrowsAsync<RedisBackupException>(() => RestoreOperation.RunAsync(new RestoreRequest { Path = path, Endpoint = target.Endpoint }));
        Assert.Equal("BackupFormatTooNew", checkedFirst.ErrorId);
        Assert.Contains("'somethingNew'", checkedFirst.Message);
        Assert.Equal(0, await ServerComparison.DbSizeAsync(target, 0));
    }

    [Fact]
    public async Task A_newer_major_version_is_refused_too_and_verify_does_not_mark_it_damaged()
    {
        var file = File(Header("\"version\":3,\"minor\":0,\"requires\":[]"), Key, Trailer);
        var refused = await Assert.ThrowsAsync<RedisBackupException>(() => VerifyAsync(file));
        Assert.Equal("BackupFormatTooNew", refused.ErrorId);
        Assert.Contains("format version 3", refused.Message);

        // In a catalog: verify reports it, but the sidecar keeps its verified state (the file is not damaged).
        using var dir = new TempDirectory();
        var catalog = new BackupCatalog(dir.Path);
        var record = CatalogFiles.Commit(catalog, file, BackupKind.KeyLevel, BackupFormat.KeysJsonl, compressed: true, keys: 1);
        var result = await VerifyOperation.RunAsync(record.Path);
        Assert.False(result.IsValid);
        Assert.True(result.ChecksumMatches);
        Assert.Contains(result.Problems, p => p.Contains("newer redis-backup"));
        Assert.Equal(VerificationState.Verified, catalog.Get(record.Name).Verification);
    }

    [Fact]
    public async Task Files_without_the_list_still_read()
    {
        // The first format: version 1, no minor, no requires, no fieldTtls in the trailer.
        var old = await VerifyAsync(File(Header("\"version\":1"), Key, Trailer));
        Assert.Equal(1, old.Keys);
        Assert.Empty(old.Requires);
        Assert.Equal(0, old.FieldTtls);

        // This version's own files: requires fieldTtl, the field expiries counted against the trailer.
        var withTtls = await VerifyAsync(File(Header("\"version\":2,\"minor\":1,\"requires\":[\"fieldTtl\"]"),
            """{"rec":"key","db":0,"key":"h","type":"hash","value":["a","1","b","2"],"fieldExpireAt":[0,1895347139123],"fieldsReadAt":1795347139123}""",
            Trailer.Replace("\"completedAt\"", "\"fieldTtls\":1,\"completedAt\"", StringComparison.Ordinal)));
        Assert.Equal(1, withTtls.FieldTtls);
        Assert.Equal(["fieldTtl"], withTtls.Requires);

        await using var target = await RedisServer.StartAsync();
        using var dir = new TempDirectory();
        var path = dir.Combine("old.jsonl.gz");
        await System.IO.File.WriteAllBytesAsync(path, File(Header("\"version\":1"), Key, Trailer));
        var restored = await KeyFiles.RestoreAsync(path, target.Endpoint);
        Assert.Equal(1, restored.Restored);
        Assert.Equal("1", (await KeyFiles.RunAsync(target, 0, "HGET", "h", "a")).AsString());
    }

    [Theory]
    [InlineData("\"fieldExpireAt\":[0]", "does not match the fields")]
    [InlineData("\"fieldExpireAt\":[0,-5]", "negative")]
    public async Task Field_expiries_that_do_not_fit_their_record_are_refused_as_damage(string expiry, string message)
    {
        var file = File(Header("\"version\":2,\"minor\":1,\"requires\":[\"fieldTtl\"]"),
            Key.Replace("]}", "]," + expiry + "}", StringComparison.Ordinal), Trailer);
        var refused = await Assert.ThrowsAsync<RedisBackupException>(() => VerifyAsync(file));
        Assert.Equal("BackupCorrupt", refused.ErrorId);
        Assert.Contains(message, refused.Message);
    }

    [Fact]
    public async Task A_trailer_whose_field_TTL_count_differs_is_refused_as_damage()
    {
        var file = File(Header("\"version\":2,\"minor\":1,\"requires\":[\"fieldTtl\"]"),
            """{"rec":"key","db":0,"key":"h","type":"hash","value":["a","1"],"fieldExpireAt":[1895347139123],"fieldsReadAt":1795347139123}""",
            Trailer.Replace("\"completedAt\"", "\"fieldTtls\":2,\"completedAt\"", StringComparison.Ordinal));
        var refused = await Assert.ThrowsAsync<RedisBackupException>(() => VerifyAsync(file));
        Assert.Equal("BackupCorrupt", refused.ErrorId);
        Assert.Contains("counts 2 hash field expiries but the file holds 1", refused.Message);
    }
}
