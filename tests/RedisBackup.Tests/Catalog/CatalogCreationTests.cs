using System.Text.Json;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

public class CatalogCreationTests
{
    private const UnixFileMode OwnerRw = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerRwx = OwnerRw | UnixFileMode.UserExecute;

    [Fact]
    public void Directory_is_explicit_then_environment_then_default()
    {
        Assert.Equal(Path.GetFullPath("/tmp/x/cat"), BackupCatalog.ResolveDirectory("/tmp/x/cat/", _ => "/env/dir"));
        Assert.Equal("/env/dir", BackupCatalog.ResolveDirectory(null, v => v == "REDISBACKUP_PATH" ? "/env/dir" : null));
        Assert.Equal(Path.GetFullPath(Path.Combine(Environment.CurrentDirectory, "backups", "redis")), BackupCatalog.ResolveDirectory(null, _ => null));
        Assert.Equal(Path.GetFullPath("rel/dir"), BackupCatalog.ResolveDirectory("rel/dir", _ => null));
    }

    [Fact]
    public async Task Commit_writes_sortable_name_sidecars_and_checksum_that_SHA256_sum_accepts()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Combine("cat"));
        var rdb = await CatalogFiles.RealRdbAsync();
        var at = new DateTimeOffset(2026, 1, 17, 23, 4, 36, 250, TimeSpan.Zero);

        var record = CatalogFiles.Commit(catalog, rdb, createdAt: at);

        Assert.Equal("redis-backup-20260117-230436.rdb", record.Name);
        Assert.Equal(Path.Combine(catalog.Directory, record.Name), record.Path);
        Assert.Equal(BackupKind.Snapshot, record.Kind);
        Assert.Equal(BackupFormat.Rdb, record.Format);
        Assert.Equal(at, record.CreatedAt);
        Assert.Equal(rdb.Length, record.SizeBytes);
        Assert.Equal(5, record.KeyCount);
        Assert.Equal(VerificationState.Verified, record.Verification);
        Assert.True(record.HasMetadata);
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(rdb)).ToLowerInvariant(), record.Sha256);
        Assert.Equal(rdb, await File.ReadAllBytesAsync(record.Path));

        Assert.Equal($"{record.Sha256}  {record.Name}\n", await File.ReadAllTextAsync(record.Path + ".sha256"));
        var check = CatalogFiles.Run("sh", "-c", $"cd '{catalog.Directory}' && sha256sum -c '{record.Name}.sha256'");
        Assert.Contains(": OK", check);

        using var meta = JsonDocument.Parse(await File.ReadAllTextAsync(record.Path + ".meta.json"));
        Assert.Equal("snapshot", meta.RootElement.GetProperty("kind").GetString());
        Assert.Equal(record.Sha256, meta.RootElement.GetProperty("sha256").GetString());
        Assert.Equal("verified", meta.RootElement.GetProperty("verification").GetString());

        // Nothing else is left behind: no partial, no temporary sidecar.
        Assert.Equal(new[] { record.Name, record.Name + ".meta.json", record.Name + ".sha256" }.Order(),
            Directory.GetFiles(catalog.Directory).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Key_level_names_compression_labels_and_collisions()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        var at = new DateTimeOffset(2026, 3, 1, 2, 3, 4, TimeSpan.Zero);
        var gz = await CatalogFiles.RealKeyFileAsync();
        var a = CatalogFiles.Commit(catalog, gz, BackupKind.KeyLevel, BackupFormat.KeysJsonl, compressed: true, createdAt: at);
        var b = CatalogFiles.Commit(catalog, gz, BackupKind.KeyLevel, BackupFormat.KeysJsonl, compressed: true, createdAt: at);
        var c = CatalogFiles.Commit(catalog, gz, BackupKind.KeyLevel, BackupFormat.KeysJsonl, compressed: true, createdAt: at);
        var d = CatalogFiles.Commit(catalog, gz, BackupKind.Snapshot, BackupFormat.Rdb, compressed: true, createdAt: at, label: "pre-restore");

        Assert.Equal("redis-keys-20260301-020304.jsonl.gz", a.Name);
        Assert.Equal("redis-keys-20260301-020304-2.jsonl.gz", b.Name);
        Assert.Equal("redis-keys-20260301-020304-3.jsonl.gz", c.Name);
        Assert.Equal("redis-backup-20260301-020304-pre-restore.rdb.gz", d.Name);
        Assert.True(a.Compressed);

        var bad = Assert.Throws<RedisBackupException>(() => catalog.CreatePending(BackupKind.Snapshot, BackupFormat.Rdb, false, at, "../evil"));
        Assert.Equal("InvalidBackupLabel", bad.ErrorId);
    }

    [Fact]
    public void Pending_file_is_hidden_partial_owner_only_and_vanishes_without_commit()
    {
        using var tmp = new TempDirectory();
        var dir = tmp.Combine("new", "catalog");
        var catalog = new BackupCatalog(dir);
        string temp;
        using (var pending = catalog.CreatePending(BackupKind.Snapshot, BackupFormat.Rdb, false, DateTimeOffset.UtcNow))
        {
            temp = pending.TempPath;
            pending.Stream.Write("REDIS0011 partial"u8);
            pending.Stream.Flush();
            var name = Path.GetFileName(temp);
            Assert.StartsWith(".redis-backup-", name);
            Assert.EndsWith(".partial", name);
            Assert.True(File.Exists(temp));
            Assert.Empty(catalog.List());
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(OwnerRw, CatalogFiles.Mode(temp));
                Assert.Equal(OwnerRwx, CatalogFiles.Mode(dir));
            }
        }
        Assert.False(File.Exists(temp));
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public async Task Committed_files_and_sidecars_are_owner_only()
    {
        if (OperatingSystem.IsWindows()) return;
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Combine("c"));
        var r = CatalogFiles.Commit(catalog, await CatalogFiles.RealRdbAsync());
        Assert.Equal(OwnerRwx, CatalogFiles.Mode(catalog.Directory));
        foreach (var f in new[] { r.Path, r.Path + ".meta.json", r.Path + ".sha256" })
            Assert.Equal(OwnerRw, CatalogFiles.Mode(f));
    }

    [Fact]
    public async Task Existing_directory_keeps_its_mode()
    {
        if (OperatingSystem.IsWindows()) return;
        using var tmp = new TempDirectory();
        var dir = tmp.Combine("shared");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, OwnerRwx | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        CatalogFiles.Commit(new BackupCatalog(dir), await CatalogFiles.RealRdbAsync());
        Assert.Equal(OwnerRwx | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, CatalogFiles.Mode(dir));
    }

    [Fact]
    public async Task Plain_RDB_in_the_catalog_loads_in_Redis_server_as_is()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        var r = CatalogFiles.Commit(catalog, await CatalogFiles.RealRdbAsync());
        await using var server = await RedisServer.StartAsync("--dir", catalog.Directory, "--dbfilename", r.Name);
        Assert.Equal("5", server.Cli("DBSIZE").Trim());
    }
}
