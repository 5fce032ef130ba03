using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

public class CatalogJournalTests
{
    [Fact]
    public void FailuresAreJournaledBoundedAndShownInStats()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Combine("cat"));
        Assert.Null(catalog.GetStats().LastFailure);
        for (var i = 0; i < 150; i++)
            catalog.RecordFailure("backup", "redis://127.0.0.1:1", new RedisBackupException(ErrorKind.ConnectionFailed, "RedisConnectionFailed", $"refused #{i}\nsecond line"));
        catalog.RecordFailure("backup", null, new IOException("disk on fire"));

        var path = Path.Combine(catalog.Directory, ".redis-backup-journal.jsonl");
        var lines = File.ReadAllLines(path);
        Assert.InRange(lines.Length, 2, 101);
        Assert.Contains("refused #149 second line", lines[^2]);
        var last = catalog.GetStats().LastFailure;
        Assert.NotNull(last);
        Assert.Equal("IOException", last.ErrorId);
        Assert.Equal("backup", last.Operation);
        Assert.Equal("disk on fire", last.Message);
        Assert.Empty(catalog.List());
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void RecordingNeverThrowsEvenWhenTheDirectoryCannotBeCreated()
    {
        using var tmp = new TempDirectory();
        var blocker = tmp.Combine("file");
        File.WriteAllText(blocker, "not a directory");
        var catalog = new BackupCatalog(Path.Combine(blocker, "cat"));
        catalog.RecordFailure("backup", null, new InvalidOperationException("x"));
        Assert.Null(catalog.GetStats().LastFailure);
    }
}
