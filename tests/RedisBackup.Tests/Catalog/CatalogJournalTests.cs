using System.Text.Json;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

public class CatalogJournalTests
{
    [Fact]
    public void Failures_are_journaled_bounded_and_shown_in_stats()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Combine("cat"));
        for (var i = 0; i < 150; i++)
            Assert.Null(catalog.RecordFailure("backup", "redis://127.0.0.1:1", new RedisBackupException(ErrorKind.ConnectionFailed, "RedisConnectionFailed", $"refused #{i}\nsecond line")));
        Assert.Null(catalog.RecordFailure("backup", null, new IOException("disk on fire")));

        // A fixed size: 100 slots of 2,048 bytes, each a JSON line padded with spaces; the oldest are overwritten.
        var path = Path.Combine(catalog.Directory, ".redis-backup-journal.jsonl");
        Assert.Equal(100 * 2048, new FileInfo(path).Length);
        var lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).ToList();
        Assert.Equal(100, lines.Count);
        Assert.All(lines, l => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(l).RootElement.ValueKind));
        Assert.DoesNotContain(lines, l => l.Contains("refused #50 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("refused #51 second line", StringComparison.Ordinal));

        var stats = catalog.GetStats();
        var last = stats.LastFailure;
        Assert.NotNull(last);
        Assert.Equal("IOException", last.ErrorId);
        Assert.Equal("backup", last.Operation);
        Assert.Equal("disk on fire", last.Message);
        Assert.Equal("refused #149 second line", FailureJournalRecent(catalog)[1].Message);
        Assert.Null(stats.LastRestoreFailure);
        Assert.Empty(catalog.List());
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_journal_of_the_old_append_only_form_is_converted_keeping_its_entries()
    {
        using var tmp = new TempDirectory();
        var path = tmp.Combine(".redis-backup-journal.jsonl");
        File.WriteAllText(path, string.Concat(Enumerable.Range(0, 3).Select(i =>
            $"{{\"at\":\"2026-01-0{i + 1}T00:00:00+00:00\",\"operation\":\"backup\",\"source\":null,\"errorId\":\"Old{i}\",\"message\":\"old #{i}\"}}\n")));
        var catalog = new BackupCatalog(tmp.Path);
        Assert.Equal("Old2", catalog.GetStats().LastFailure?.ErrorId);

        Assert.Null(catalog.RecordFailure("restore", "/x/a.rdb", new RedisBackupException(ErrorKind.ConnectionFailed, "RedisConnectionFailed", "refused"), "redis://127.0.0.1:1"));
        Assert.Equal(100 * 2048, new FileInfo(path).Length);
        var recent = FailureJournalRecent(catalog);
        Assert.Equal(new[] { "RedisConnectionFailed", "Old2", "Old1", "Old0" }, recent.Select(f => f.ErrorId));
        Assert.Equal("redis://127.0.0.1:1", recent[0].Target);
        Assert.Equal("RedisConnectionFailed", catalog.GetStats().LastRestoreFailure?.ErrorId);
    }

    [Fact]
    public void A_cancellation_is_journaled_as_cancelled()
    {
        using var tmp = new TempDirectory();
        var catalog = new BackupCatalog(tmp.Path);
        Assert.Null(catalog.RecordFailure("backup", "redis://127.0.0.1:1", new OperationCanceledException()));
        var last = catalog.GetStats().LastFailure;
        Assert.Equal("Cancelled", last?.ErrorId);
        Assert.Contains("Cancelled", last?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Recording_never_throws_even_when_the_directory_cannot_be_created_and_says_why()
    {
        using var tmp = new TempDirectory();
        var blocker = tmp.Combine("file");
        File.WriteAllText(blocker, "not a directory");
        var catalog = new BackupCatalog(Path.Combine(blocker, "cat"));
        var problem = catalog.RecordFailure("backup", null, new InvalidOperationException("x"));
        Assert.NotNull(problem);
        Assert.Contains(blocker, problem, StringComparison.Ordinal);
        Assert.Equal("CatalogNotADirectory", Assert.Throws<RedisBackupException>(() => catalog.GetStats()).ErrorId);
    }

    private static IReadOnlyList<FailedAttempt> FailureJournalRecent(BackupCatalog catalog) => FailureJournal.Recent(catalog.Directory);
}
