using System.Globalization;
using System.Text.RegularExpressions;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// File names in a catalog: names for new backups, temporary and sidecar names, and reading the timestamp
/// out of our own names and the two seed tools' names.
/// </summary>
internal static partial class BackupNaming
{
    public const string MetadataSuffix = ".meta.json";
    public const string ChecksumSuffix = ".sha256";
    public const string PartialSuffix = ".partial";
    public const string LockFileName = ".redis-backup.lock";
    public const string JournalFileName = ".redis-backup-journal.jsonl";

    private const string TimestampFormat = "yyyyMMdd-HHmmss";

    /// <summary>The extensions a backup file may have, longest first.</summary>
    private static readonly string[] BackupExtensions = [".rdb.gz", ".jsonl.gz", ".json.gz", ".rdb", ".jsonl", ".json"];

    /// <summary>"redis-backup-20260117-230436[-label][-2].rdb[.gz]" / "redis-keys-…jsonl.gz": ours (timestamps in UTC).</summary>
    [GeneratedRegex(@"^redis-(?:backup|keys)-(\d{8}-\d{6})(?:-[A-Za-z0-9_.-]+)?\.(?:rdb|rdb\.gz|jsonl|jsonl\.gz)$", RegexOptions.CultureInvariant)]
    private static partial Regex OurName();

    /// <summary>"redis_backup_20231205_143022.json[.gz]": the seed Python service (local time).</summary>
    [GeneratedRegex(@"^redis_backup_(\d{8})_(\d{6})\.json(?:\.gz)?$", RegexOptions.CultureInvariant)]
    private static partial Regex SeedServiceName();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelPattern();

    /// <summary>Refuses a label that cannot be part of a backup's file name (<see cref="ErrorIds.InvalidBackupLabel"/>).</summary>
    public static void CheckLabel(string? label)
    {
        if (label is not null && !LabelPattern().IsMatch(label))
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidBackupLabel,
                $"The backup label '{label}' is not allowed: use 1 to 64 letters, digits, '-' or '_', starting with a letter or digit.", label);
    }

    /// <summary>The base name of a new backup, without extension or collision suffix.</summary>
    public static string BaseName(BackupKind kind, DateTimeOffset createdAt, string? label)
    {
        CheckLabel(label);
        var stem = kind == BackupKind.Snapshot ? "redis-backup-" : "redis-keys-";
        var name = stem + createdAt.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);
        return label is null ? name : name + "-" + label;
    }

    public static string Extension(BackupFormat format, bool compressed) => format switch
    {
        BackupFormat.Rdb => compressed ? ".rdb.gz" : ".rdb",
        BackupFormat.KeysJsonl => compressed ? ".jsonl.gz" : ".jsonl",
        BackupFormat.SeedJson => compressed ? ".json.gz" : ".json",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "A new backup needs a known format."),
    };

    /// <summary>The n-th candidate name: n = 1 is the plain name, later ones add "-n" so a second backup in the same second never collides.</summary>
    public static string Candidate(string baseName, string extension, int n)
        => n <= 1 ? baseName + extension : baseName + "-" + n.ToString(CultureInfo.InvariantCulture) + extension;

    /// <summary>A hidden, clearly partial temporary name for <paramref name="finalName"/>.</summary>
    public static string TemporaryName(string finalName)
        => "." + finalName + "." + Guid.NewGuid().ToString("N")[..12] + PartialSuffix;

    /// <summary>
    /// The name of a scratch file that belongs to the partial file <paramref name="partialPath"/> (e.g. the export's key
    /// index): the partial name with <paramref name="suffix"/> (which ends in ".partial") in place of ".partial".
    /// </summary>
    public static string SpillName(string partialPath, string suffix)
        => (partialPath.EndsWith(PartialSuffix, StringComparison.Ordinal) ? partialPath[..^PartialSuffix.Length] : partialPath) + suffix;

    public static string MetadataName(string backupName) => backupName + MetadataSuffix;

    public static string ChecksumName(string backupName) => backupName + ChecksumSuffix;

    /// <summary>True for names listing may consider: not hidden, not a sidecar, and with a backup extension.</summary>
    public static bool IsCandidate(string name)
        => name.Length > 0 && name[0] != '.' && !IsSidecar(name) && HasBackupExtension(name);

    public static bool IsSidecar(string name)
        => name.EndsWith(MetadataSuffix, StringComparison.OrdinalIgnoreCase) || name.EndsWith(ChecksumSuffix, StringComparison.OrdinalIgnoreCase);

    public static bool HasBackupExtension(string name)
        => BackupExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase) && name.Length > e.Length);

    public static bool IsGzipName(string name) => name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The time a name records. Our names are UTC; the seed script (date +%Y%m%d-%H%M%S) and the seed service
    /// (datetime.now()) wrote local time, so for a file without our metadata the name is read as local time.
    /// </summary>
    public static DateTimeOffset? TimestampFromName(string name, bool ours)
    {
        var m = OurName().Match(name);
        if (m.Success)
            return Parse(m.Groups[1].Value, TimestampFormat, ours);
        m = SeedServiceName().Match(name);
        if (m.Success)
            return Parse(m.Groups[1].Value + "-" + m.Groups[2].Value, TimestampFormat, ours);
        return null;
    }

    /// <summary>True when the name is one the seed service gave its JSON backups.</summary>
    public static bool IsSeedServiceName(string name) => SeedServiceName().IsMatch(name);

    private static DateTimeOffset? Parse(string text, string format, bool utc)
    {
        var style = utc ? DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal : DateTimeStyles.AssumeLocal | DateTimeStyles.AdjustToUniversal;
        return DateTime.TryParseExact(text, format, CultureInfo.InvariantCulture, style, out var t)
            ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc))
            : null;
    }
}
