using System.Text.Json;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

public class VerifyOperationTests
{
    [Fact]
    public async Task A_good_backup_verifies_and_the_sidecar_records_it()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        var b = CatalogFiles.Commit(catalog, CatalogFiles.Gzip(await CatalogFiles.RealRdbAsync()), compressed: true, verified: false, keys: null);
        Assert.Equal(VerificationState.NotVerified, b.Verification);
        var progress = new List<OperationProgress>();

        var result = await VerifyOperation.RunAsync(b, progress: new SyncProgress(progress));

        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        Assert.Empty(result.Problems);
        Assert.True(result.ChecksumMatches);
        Assert.Equal(b.Sha256, result.Sha256);
        Assert.Equal(5, result.KeyCount);
        Assert.Equal(BackupFormat.Rdb, result.Format);
        Assert.Equal(BackupKind.Snapshot, result.Kind);
        Assert.NotEmpty(progress);
        var after = catalog.Get(b.Name);
        Assert.Equal(VerificationState.Verified, after.Verification);
        Assert.Equal(5, after.KeyCount);
        using var meta = JsonDocument.Parse(await File.ReadAllTextAsync(b.Path + ".meta.json"));
        Assert.True(meta.RootElement.GetProperty("verifiedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
    }

    [Fact]
    public async Task A_flipped_byte_in_an_RDB_is_reported_with_its_offset_and_marks_the_backup_failed()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        var rdb = await CatalogFiles.RealRdbAsync();
        var b = CatalogFiles.Commit(catalog, rdb);
        var bytes = (byte[])rdb.Clone();
        var at = bytes.Length / 2;
        bytes[at] ^= 0x20;
        await File.WriteAllBytesAsync(b.Path, bytes);

        var result = await VerifyOperation.RunAsync(b.Path);

        Assert.False(result.IsValid);
        Assert.False(result.ChecksumMatches);
        Assert.Contains(result.Problems, p => p.Contains("SHA-256 mismatch"));
        Assert.Contains(result.Problems, p => p.StartsWith("RDB structure:") && p.Contains("offset"));
        Assert.Equal(VerificationState.Failed, catalog.Get(b.Name).Verification);
    }

    [Fact]
    public async Task Foreign_files_are_checked_by_structure_alone()
    {
        using var tmp = new TempDirectory();
        var rdb = await CatalogFiles.RealRdbAsync();
        var good = tmp.Combine("redis-backup-20260117-230436.rdb");
        await File.WriteAllBytesAsync(good, rdb);
        var ok = await VerifyOperation.RunAsync(good);
        Assert.True(ok.IsValid, string.Join("; ", ok.Problems));
        Assert.Null(ok.ChecksumMatches);
        Assert.False(File.Exists(good + ".meta.json"));

        var bad = (byte[])rdb.Clone();
        bad[^3] ^= 0xff; // inside the CRC64 trailer
        await File.WriteAllBytesAsync(good, bad);
        var broken = await VerifyOperation.RunAsync(good);
        Assert.False(broken.IsValid);
        Assert.Null(broken.ChecksumMatches);
        Assert.Single(broken.Problems);
    }

    [Fact]
    public async Task A_truncated_compressed_backup_is_reported_not_thrown()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        var gz = CatalogFiles.Gzip(await CatalogFiles.SaveRdbAsync(2000));
        var b = CatalogFiles.Commit(catalog, gz, compressed: true);
        await File.WriteAllBytesAsync(b.Path, gz[..(gz.Length / 2)]);

        var result = await VerifyOperation.RunAsync(b.Path);

        Assert.False(result.IsValid);
        Assert.False(result.ChecksumMatches);
        Assert.True(result.Problems.Count >= 2, string.Join("; ", result.Problems));
    }

    [Fact]
    public async Task Deep_verification_catches_what_the_frame_walk_cannot()
    {
        using var tmp = new TempDirectory();
        var file = tmp.Combine("corrupt_ziplist.rdb");
        File.Copy(TestData.RedisAsset("corrupt_ziplist.rdb"), file);
        Assert.True((await VerifyOperation.RunAsync(file)).IsValid);
        var deep = await VerifyOperation.RunAsync(file, deep: true);
        Assert.False(deep.IsValid);
        Assert.Contains(deep.Problems, p => p.Contains("offset"));
    }

    [Fact]
    public async Task A_checksum_file_alone_is_used_and_unknown_or_missing_files_are_reported()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        var b = CatalogFiles.Commit(catalog, await CatalogFiles.RealRdbAsync());
        File.Delete(b.Path + ".meta.json");
        Assert.True((await VerifyOperation.RunAsync(b.Path)).ChecksumMatches);
        await File.WriteAllTextAsync(b.Path + ".sha256", new string('0', 64) + "  " + b.Name + "\n");
        var mismatch = await VerifyOperation.RunAsync(b.Path);
        Assert.False(mismatch.ChecksumMatches);
        Assert.False(mismatch.IsValid);

        var text = tmp.Combine("notes.rdb");
        await File.WriteAllTextAsync(text, "not a backup");
        var unknown = await VerifyOperation.RunAsync(text);
        Assert.False(unknown.IsValid);
        Assert.Equal(BackupFormat.Unknown, unknown.Format);
        Assert.Contains("not a backup", unknown.Problems.Single());

        var missing = await Assert.ThrowsAsync<RedisBackupException>(() => VerifyOperation.RunAsync(tmp.Combine("gone.rdb")));
        Assert.Equal(ErrorKind.NotFound, missing.Kind);
    }

    private sealed class SyncProgress(List<OperationProgress> sink) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) { lock (sink) sink.Add(value); }
    }
}
