using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Catalog;

internal sealed record JournalEntry(DateTimeOffset At, string Operation, string? Source, string ErrorId, string Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(JournalEntry))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;

/// <summary>
/// The catalog's journal of failed attempts, one JSON object per line in a hidden file, so cron users can see what
/// failed. Bounded: only the last <see cref="MaxEntries"/> lines are kept. Writing it never throws.
/// </summary>
internal static class FailureJournal
{
    public const int MaxEntries = 100;
    private const long MaxBytes = 256 * 1024;

    public static void Append(string directory, string operation, string? source, Exception error, DateTimeOffset at)
    {
        try
        {
            OwnerOnlyFiles.EnsureDirectory(directory);
            var path = Path.Combine(directory, BackupNaming.JournalFileName);
            var errorId = error is RedisBackupException rbe ? rbe.ErrorId : error.GetType().Name;
            var message = error.Message.ReplaceLineEndings(" ");
            var line = JsonSerializer.Serialize(new JournalEntry(at, operation, source, errorId, message), JournalJsonContext.Default.JournalEntry) + "\n";
            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            long length;
            using (var stream = new FileStream(path, options))
            {
                stream.Write(Encoding.UTF8.GetBytes(line));
                length = stream.Length;
            }
            if (length > MaxBytes || CountLines(path) > MaxEntries) Trim(path);
        }
#pragma warning disable CA1031 // The journal is best effort by contract: a failure to record a failure must not hide the original error.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>The newest readable entry, or null.</summary>
    public static FailedAttempt? Last(string directory)
    {
        var path = Path.Combine(directory, BackupNaming.JournalFileName);
        try
        {
            if (!File.Exists(path)) return null;
            foreach (var line in File.ReadLines(path).Reverse())
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                try
                {
                    var e = JsonSerializer.Deserialize(line, JournalJsonContext.Default.JournalEntry);
                    if (e is not null) return new FailedAttempt(e.At, e.Operation, e.Source, e.ErrorId, e.Message);
                }
                catch (JsonException)
                {
                    // A line cut by a crash: look at the one before.
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }

    private static int CountLines(string path) => File.ReadLines(path).Count();

    private static void Trim(string path)
    {
        var keep = File.ReadLines(path).Where(l => l.Length > 0).TakeLast(MaxEntries).ToList();
        var text = new StringBuilder();
        foreach (var l in keep) text.Append(l).Append('\n');
        AtomicFile.WriteAllText(path, text.ToString());
    }
}
