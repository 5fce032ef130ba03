using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

/// <summary>Key-level backups in the catalog: files made by real exports and by real BackupOperation runs.</summary>
public class KeyLevelCatalogTests
{
    [Fact]
    public async Task A_key_level_run_is_committed_verified_listed_and_retained()
    {
        await using var server = await RedisServer.StartAsync();
        await CatalogFiles.FillAsync(server, 300);
        using var tmp = new TempDirectory();
        var request = new BackupRequest { Kind = BackupKind.KeyLevel, Endpoint = server.Endpoint, Directory = tmp.Combine("cat"), Keep = 1 };

        var first = await BackupOperation.RunAsync(request);
        var second = await BackupOperation.RunAsync(request);

        Assert.Equal(new[] { first.Backup }, second.Removed);
        var catalog = new BackupCatalog(request.Directory);
        var only = Assert.Single(catalog.List());
        Assert.Equal(second.Backup, only);
        Assert.Matches(@"^redis-keys-\d{8}-\d{6}(-\d+)?\.jsonl\.gz$", only.Name);
        Assert.Equal(BackupKind.KeyLevel, only.Kind);
        Assert.Equal(BackupFormat.KeysJsonl, only.Format);
        Assert.Equal(300, only.KeyCount);
        Assert.Equal(VerificationState.Verified, only.Verification);
        Assert.True(only.Compressed);
        Assert.Contains(": OK", CatalogFiles.Run("sh", "-c", $"cd '{catalog.Directory}' && sha256sum -c '{only.Name}.sha256'"));

        var verify = await VerifyOperation.RunAsync(only);
        Assert.True(verify.IsValid, string.Join("; ", verify.Problems));
        Assert.Equal(300, verify.KeyCount);
        Assert.True(verify.ChecksumMatches);
    }

    [Fact]
    public async Task A_key_file_without_metadata_is_recognized_by_its_header()
    {
        using var tmp = new TempDirectory();
        var path = tmp.Combine("exported-elsewhere.jsonl.gz");
        await File.WriteAllBytesAsync(path, await CatalogFiles.RealKeyFileAsync());

        var d = BackupCatalog.Describe(path);

        Assert.Equal(BackupFormat.KeysJsonl, d.Format);
        Assert.Equal(BackupKind.KeyLevel, d.Kind);
        Assert.True(d.Compressed);
        Assert.False(d.HasMetadata);
        Assert.Equal("7.0.15", d.ServerVersion);
        Assert.NotNull(d.Source);
        Assert.InRange(d.CreatedAt, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(new[] { d }, new BackupCatalog(tmp.Path).List());
    }

    [Fact]
    public async Task A_truncated_key_file_fails_verification()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        var content = await CatalogFiles.ExportKeysAsync(3000);
        var b = CatalogFiles.Commit(catalog, content, BackupKind.KeyLevel, BackupFormat.KeysJsonl, compressed: true, keys: 3000);
        Assert.True((await VerifyOperation.RunAsync(b)).IsValid);

        await File.WriteAllBytesAsync(b.Path, content[..(content.Length * 2 / 3)]);
        var truncated = await VerifyOperation.RunAsync(b);

        Assert.False(truncated.IsValid);
        Assert.False(truncated.ChecksumMatches);
        Assert.True(truncated.Problems.Count >= 2, string.Join("; ", truncated.Problems));
        Assert.Equal(VerificationState.Failed, catalog.Get(b.Name).Verification);

        // The same truncated file without any sidecar: the structure check alone catches it.
        File.Delete(b.Path + ".meta.json");
        File.Delete(b.Path + ".sha256");
        var bare = await VerifyOperation.RunAsync(b.Path);
        Assert.False(bare.IsValid);
        Assert.Null(bare.ChecksumMatches);
        Assert.Single(bare.Problems);
    }

    [Fact]
    public async Task A_seed_service_backup_verifies()
    {
        using var tmp = new TempDirectory();
        var path = tmp.Combine("redis_backup_20231205_143022.json.gz");
        await File.WriteAllBytesAsync(path, CatalogFiles.Gzip(CatalogFiles.SeedJson("20231205_143022", "2023-12-05T14:30:22")));
        var result = await VerifyOperation.RunAsync(path);
        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        Assert.Equal(BackupFormat.SeedJson, result.Format);
        Assert.Equal(1, result.KeyCount);
    }
}
