using System.Globalization;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

/// <summary>
/// Issue 9, item 7: the lock file and the journal never follow a symbolic link, and only a regular file with one link,
/// owned by the user running the tool, is used; anything else is refused with an error naming the file, and whatever
/// the name pointed at is left untouched. Runs as root (the case the attack needs), with a second local user.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class CatalogFileSafetyTests
{
    private const string Victim = "the victim's data\n";

    private static (TempDirectory Tmp, string Catalog, string Victim) Setup()
    {
        var tmp = new TempDirectory();
        var catalog = tmp.Combine("cat");
        Directory.CreateDirectory(catalog);
        var victim = tmp.Combine("victim.txt");
        File.WriteAllText(victim, Victim);
        return (tmp, catalog, victim);
    }

    [Fact]
    public async Task A_lock_file_that_is_a_symlink_is_refused_and_its_target_is_not_touched()
    {
        Root.Require("the attack is a root-run backup");
        var (tmp, catalog, victim) = Setup();
        using var _ = tmp;
        var lockPath = Path.Combine(catalog, ".redis-backup.lock");
        File.CreateSymbolicLink(lockPath, victim);
        await using var server = await RedisServer.StartAsync();

        var run = await new CliRun().RunAsync("backup", "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--dir", catalog, "--json");

        Assert.True(run.ExitCode == 1, run.ToString());
        var error = run.Json().GetProperty("error");
        Assert.Equal("UnsafeCatalogFile", error.GetProperty("id").GetString());
        Assert.Equal("permissionDenied", error.GetProperty("kind").GetString());
        Assert.Contains(lockPath, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("symbolic link", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(Victim, File.ReadAllText(victim));
        Assert.Empty(Directory.GetFiles(catalog, "redis-*"));
    }

    [Fact]
    public async Task A_journal_that_is_a_symlink_is_refused_and_its_target_is_not_appended_to()
    {
        Root.Require("the attack is a root-run backup");
        var (tmp, catalog, victim) = Setup();
        using var _ = tmp;
        var journal = Path.Combine(catalog, ".redis-backup-journal.jsonl");
        File.CreateSymbolicLink(journal, victim);

        // A run that fails (nothing listens on the port) would journal its failure: it is refused before anything.
        var run = await new CliRun().RunAsync("backup", "--port", "1", "--dir", catalog, "--json");
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("UnsafeCatalogFile", run.Json().GetProperty("error").GetProperty("id").GetString());
        Assert.Contains(journal, run.Json().GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(Victim, File.ReadAllText(victim));

        // Recording a failure directly does not write through it either, and says why.
        var problem = new BackupCatalog(catalog).RecordFailure("backup", null, new IOException("x"));
        Assert.Contains("symbolic link", problem, StringComparison.Ordinal);
        Assert.Equal(Victim, File.ReadAllText(victim));
    }

    [Fact]
    public void Catalog_files_owned_by_another_user_are_refused()
    {
        var (tmp, catalog, _) = Setup();
        using var __ = tmp;
        using var other = LocalUser.Create();
        var lockPath = Path.Combine(catalog, ".redis-backup.lock");
        File.WriteAllText(lockPath, "");
        File.SetUnixFileMode(lockPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Chown(lockPath, other);

        var ex = Assert.Throws<RedisBackupException>(() => new BackupCatalog(catalog).AcquireLock());
        Assert.Equal("UnsafeCatalogFile", ex.ErrorId);
        Assert.Contains($"owned by user id {other.Id}", ex.Message, StringComparison.Ordinal);
        Assert.Equal(lockPath, ex.Target);

        File.Delete(lockPath);
        var journal = Path.Combine(catalog, ".redis-backup-journal.jsonl");
        File.WriteAllText(journal, "");
        Chown(journal, other);
        Assert.Contains("owned by user id", new BackupCatalog(catalog).RecordFailure("backup", null, new IOException("x")), StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(journal).Length);
    }

    [Fact]
    public void A_hard_linked_lock_file_and_a_FIFO_are_refused()
    {
        Root.Require("the attack is a root-run backup");
        var (tmp, catalog, victim) = Setup();
        using var _ = tmp;
        var lockPath = Path.Combine(catalog, ".redis-backup.lock");
        CatalogFiles.Run("ln", victim, lockPath);
        var linked = Assert.Throws<RedisBackupException>(() => new BackupCatalog(catalog).AcquireLock());
        Assert.Equal("UnsafeCatalogFile", linked.ErrorId);
        Assert.Contains("2 hard links", linked.Message, StringComparison.Ordinal);
        Assert.Equal(Victim, File.ReadAllText(victim));

        File.Delete(lockPath);
        CatalogFiles.Run("mkfifo", lockPath);
        var fifo = Assert.Throws<RedisBackupException>(() => new BackupCatalog(catalog).AcquireLock());
        Assert.Equal("UnsafeCatalogFile", fifo.ErrorId);
        Assert.Contains("FIFO", fifo.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_lock_and_journal_a_run_creates_are_owner_only_regular_files()
    {
        using var tmp = new TempDirectory();
        await using var server = await RedisServer.StartAsync();
        await BackupOperation.RunAsync(new BackupRequest { Endpoint = server.Endpoint, Directory = tmp.Path });
        foreach (var name in new[] { ".redis-backup.lock", ".redis-backup-journal.jsonl" })
        {
            var info = new FileInfo(tmp.Combine(name));
            Assert.True(info.Exists, name);
            Assert.Null(info.LinkTarget);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(info.FullName));
        }
    }

    private static void Chown(string path, LocalUser user)
        => CatalogFiles.Run("chown", $"{user.Id}:{user.GroupId}", path);
}
