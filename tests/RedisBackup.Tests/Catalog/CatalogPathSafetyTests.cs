using System.Globalization;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

/// <summary>
/// Issue 9, item 8: every directory the tool creates is owner-only whatever the umask, and a catalog path that another
/// local user could change (a directory every user may write without the sticky bit, or one of theirs) is refused.
/// The CLI runs as a child process with its own umask; the second user is a real local account.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class CatalogPathSafetyTests
{
    private const UnixFileMode OwnerRwx = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerRw = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Under_umask_000_every_directory_and_file_the_tool_creates_is_owner_only()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var c = await server.ConnectAsync()) await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "10");
        using var tmp = new TempDirectory();
        var catalog = tmp.Combine("a", "b", "cat");

        await using (var cli = CliProcess.Start(["backup", "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--dir", catalog], umask: "000"))
        {
            cli.CloseInput();
            var run = await cli.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(run.ExitCode == 0, run.ToString());
        }

        foreach (var dir in new[] { tmp.Combine("a"), tmp.Combine("a", "b"), catalog })
            Assert.True(File.GetUnixFileMode(dir) == OwnerRwx, $"{dir} is {File.GetUnixFileMode(dir)}");
        var files = Directory.GetFiles(catalog);
        Assert.Contains(files, f => f.EndsWith(".jsonl.gz", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".redis-backup.lock", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".redis-backup-journal.jsonl", StringComparison.Ordinal));
        foreach (var f in files) Assert.True(File.GetUnixFileMode(f) == OwnerRw, $"{f} is {File.GetUnixFileMode(f)}");
    }

    [Fact]
    public async Task A_path_through_a_directory_every_user_may_write_is_refused_and_nothing_is_written()
    {
        using var tmp = new TempDirectory();
        var shared = tmp.Combine("shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0x1FF); // 0777, no sticky bit
        var catalog = Path.Combine(shared, "backups", "cat");

        var run = await new CliRun().RunAsync("backup", "--port", "1", "--dir", catalog, "--json");

        Assert.True(run.ExitCode == 1, run.ToString());
        var error = run.Json().GetProperty("error");
        Assert.Equal("UnsafeCatalogPath", error.GetProperty("id").GetString());
        Assert.Equal("permissionDenied", error.GetProperty("kind").GetString());
        Assert.Contains(shared + ",", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("0777", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(shared));

        // The same directory with the sticky bit (like /tmp) is accepted.
        File.SetUnixFileMode(shared, (UnixFileMode)0x3FF); // 1777
        Assert.Null(Record.Exception(() => new BackupCatalog(catalog).AcquireLock().Dispose()));
    }

    [Fact]
    public async Task Another_users_link_in_a_sticky_directory_cannot_redirect_the_backups()
    {
        Root.Require("the victim is a root-run backup");
        using var attacker = LocalUser.Create();
        using var tmp = new TempDirectory();
        var sticky = tmp.Combine("tmp");
        Directory.CreateDirectory(sticky);
        File.SetUnixFileMode(sticky, (UnixFileMode)0x3FF); // 1777, like /tmp
        var theirs = tmp.Combine("theirs");
        Directory.CreateDirectory(theirs);
        CatalogFiles.Run("chown", $"{attacker.Id}:{attacker.GroupId}", theirs);
        // The attacker plants the catalog's name in the shared directory as a link to a directory of theirs.
        var (code, error) = attacker.Run("ln", "-s", theirs, Path.Combine(sticky, "backups"));
        Assert.True(code == 0, error);

        await using var server = await RedisServer.StartAsync();
        var run = await new CliRun().RunAsync("backup", "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--dir", Path.Combine(sticky, "backups"), "--json");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("UnsafeCatalogPath", run.Json().GetProperty("error").GetProperty("id").GetString());
        Assert.Contains($"user id {attacker.Id}", run.Json().GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(theirs));
    }

    [Fact]
    public async Task Directories_created_under_umask_000_leave_a_second_user_nothing_to_replace()
    {
        using var other = LocalUser.Create();
        await using var server = await RedisServer.StartAsync();
        using var tmp = new TempDirectory();
        File.SetUnixFileMode(tmp.Path, (UnixFileMode)0x1ED); // 0755: others may walk in, not write
        var parent = tmp.Combine("srv");
        var catalog = Path.Combine(parent, "cat");
        await using (var cli = CliProcess.Start(["backup", "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--dir", catalog], umask: "000"))
        {
            cli.CloseInput();
            Assert.Equal(0, (await cli.WaitAsync(TimeSpan.FromMinutes(2))).ExitCode);
        }

        // The attack: the other user renames the catalog away and puts a link in its place. Both fail now.
        var (rename, renameError) = other.Run("mv", catalog, Path.Combine(parent, "moved"));
        Assert.NotEqual(0, rename);
        Assert.Contains("Permission denied", renameError, StringComparison.Ordinal);
        var (link, _) = other.Run("ln", "-s", "/tmp", Path.Combine(parent, "evil"));
        Assert.NotEqual(0, link);
        var (list, _) = other.Run("ls", catalog);
        Assert.NotEqual(0, list);
        Assert.Single(new BackupCatalog(catalog).List());
    }

    [Fact]
    public void A_directory_of_another_user_on_the_path_is_refused_for_writes()
    {
        using var other = LocalUser.Create();
        using var tmp = new TempDirectory();
        var theirs = tmp.Combine("theirs");
        Directory.CreateDirectory(theirs);
        CatalogFiles.Run("chown", $"{other.Id}:{other.GroupId}", theirs);
        var ex = Assert.Throws<RedisBackupException>(() => new BackupCatalog(Path.Combine(theirs, "cat")).AcquireLock());
        Assert.Equal(("UnsafeCatalogPath", ErrorKind.PermissionDenied), (ex.ErrorId, ex.Kind));
        Assert.Equal(theirs, ex.Target);
        Assert.False(Directory.Exists(Path.Combine(theirs, "cat")));
    }

    [Fact]
    public async Task Removal_through_a_path_every_user_may_write_is_refused_too()
    {
        using var tmp = new TempDirectory();
        var parent = tmp.Combine("srv");
        var catalog = new BackupCatalog(Path.Combine(parent, "cat"));
        var backup = CatalogFiles.Commit(catalog, await CatalogFiles.RealRdbAsync());
        File.SetUnixFileMode(parent, (UnixFileMode)0x1FF); // made 0777 after the fact

        var run = await new CliRun().RunAsync("remove", backup.Name, "--dir", catalog.Directory, "--json");
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("UnsafeCatalogPath", run.Json().GetProperty("error").GetProperty("id").GetString());
        Assert.True(File.Exists(backup.Path));
        Assert.Single(catalog.List()); // reading is still allowed
    }
}
