using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

public class CatalogCopyTests
{
    [Fact]
    public async Task Copies_to_a_directory_with_sidecars_that_still_check()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Combine("cat"));
        var b = CatalogFiles.Commit(catalog, CatalogFiles.Gzip(await CatalogFiles.RealRdbAsync()), compressed: true);
        var dest = tmp.Combine("export");
        Directory.CreateDirectory(dest);

        var copy = BackupCatalog.Copy(b, dest);

        Assert.Equal(Path.Combine(dest, b.Name), copy.Path);
        Assert.Equal(b.Sha256, copy.Sha256);
        Assert.Equal(b with { Path = copy.Path }, copy);
        Assert.Equal(await File.ReadAllBytesAsync(b.Path), await File.ReadAllBytesAsync(copy.Path));
        Assert.Contains(": OK", CatalogFiles.Run("sh", "-c", $"cd '{dest}' && sha256sum -c '{b.Name}.sha256'"));
        Assert.Equal(new[] { b.Name, b.Name + ".meta.json", b.Name + ".sha256" }.Order(), Directory.GetFiles(dest).Select(Path.GetFileName).Order());

        var exists = Assert.Throws<RedisBackupException>(() => BackupCatalog.Copy(b, dest));
        Assert.Equal("CopyDestinationExists", exists.ErrorId);
        BackupCatalog.Copy(b, dest, overwrite: true);
    }

    [Fact]
    public async Task Copies_to_a_file_name_and_rewrites_the_checksum_line()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Combine("cat"));
        var b = CatalogFiles.Commit(catalog, await CatalogFiles.RealRdbAsync());
        var target = tmp.Combine("latest.rdb");
        var copy = BackupCatalog.Copy(b, target);
        Assert.Equal("latest.rdb", copy.Name);
        Assert.Equal($"{b.Sha256}  latest.rdb\n", await File.ReadAllTextAsync(target + ".sha256"));
        Assert.Contains(": OK", CatalogFiles.Run("sh", "-c", $"cd '{tmp.Path}' && sha256sum -c latest.rdb.sha256"));

        // A foreign file without sidecars still gets a checksum file for its copy.
        File.Delete(target + ".meta.json");
        var second = BackupCatalog.Copy(BackupCatalog.Describe(target), tmp.Combine("second.rdb"));
        Assert.False(second.HasMetadata);
        Assert.Equal(b.Sha256, second.Sha256); // from the checksum file alone
        Assert.Equal($"{b.Sha256}  second.rdb\n", await File.ReadAllTextAsync(tmp.Combine("second.rdb.sha256")));
    }

    [Fact]
    public async Task A_copy_that_reads_back_differently_is_removed_and_reported()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Combine("cat"));
        var b = CatalogFiles.Commit(catalog, await CatalogFiles.RealRdbAsync());
        var dest = tmp.Combine("export");
        Directory.CreateDirectory(dest);

        var ex = Assert.Throws<RedisBackupException>(() => BackupCopier.Copy(b, dest, overwrite: false, beforeCheck: path =>
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            f.Position = 20;
            var x = f.ReadByte();
            f.Position = 20;
            f.WriteByte((byte)(x ^ 0xff));
        }));

        Assert.Equal("CopyChecksumMismatch", ex.ErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(dest));
    }

    [Fact]
    public async Task A_source_that_no_longer_matches_its_checksum_is_not_copied()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Combine("cat"));
        var b = CatalogFiles.Commit(catalog, await CatalogFiles.RealRdbAsync());
        var bytes = await File.ReadAllBytesAsync(b.Path);
        bytes[15] ^= 1;
        await File.WriteAllBytesAsync(b.Path, bytes);
        var dest = tmp.Combine("export");
        Directory.CreateDirectory(dest);
        Assert.Equal("BackupChecksumMismatch", Assert.Throws<RedisBackupException>(() => BackupCatalog.Copy(b, dest)).ErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(dest));
        Assert.Equal("CopyDestinationNotFound", Assert.Throws<RedisBackupException>(() => BackupCatalog.Copy(b, tmp.Combine("no", "such", "x.rdb"))).ErrorId);
    }
}
