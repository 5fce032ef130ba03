using System.Text.RegularExpressions;
using RedisBackup.Engine.IO;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// Lists a catalog directory: one directory enumeration, then per backup either its small metadata sidecar or a
/// bounded sniff of its first bytes. Hidden files (temporary .partial files, the lock, the journal) and sidecars never list.
/// Only regular files are backups: a FIFO, socket or device named like one is never opened (it would block) but
/// reported as ignored; a symbolic link is listed as the file it points to only when that file is a regular file inside
/// the catalog (the rule removal applies), else it is ignored too.
/// </summary>
internal static class CatalogScanner
{
    /// <summary>What one listing found: the backups, and the entries named like backups that are not.</summary>
    public sealed record Result(List<BackupRecord> Backups, List<IgnoredEntry> Ignored);

    public static List<BackupRecord> Scan(string directory) => ScanAll(directory).Backups;

    public static Result ScanAll(string directory)
    {
        var result = new Result([], []);
        if (!Directory.Exists(directory)) return result;
        var files = new DirectoryInfo(directory).GetFiles("*", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = true });
        var names = new HashSet<string>(files.Select(f => f.Name), StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (!BackupNaming.IsCandidate(file.Name)) continue;
            BackupRecord record;
            try
            {
                var (content, problem) = Classify(file, directory);
                if (problem is not null)
                {
                    result.Ignored.Add(new IgnoredEntry(file.Name, problem));
                    continue;
                }
                record = BackupInspector.Describe(file, names.Contains(BackupNaming.MetadataName(file.Name)), names.Contains(BackupNaming.ChecksumName(file.Name)));
                if (content is not null) record = record with { SizeBytes = content.Length };
            }
            catch (FileNotFoundException)
            {
                continue; // removed while we listed
            }
            catch (RegularFile.NotRegularException ex)
            {
                result.Ignored.Add(new IgnoredEntry(file.Name, $"a {UnixFile.DescribeKind(ex.Kind)}, not a regular file"));
                continue;
            }
            // A foreign file that is neither RDB nor a key-level export by content is not a backup (say, a package.json).
            if (!record.HasMetadata && record.Format == BackupFormat.Unknown && !LooksNamedLikeBackup(file.Name)) continue;
            result.Backups.Add(record);
        }
        result.Backups.Sort(Compare);
        return result;
    }

    /// <summary>
    /// Whether an entry may be read as a backup: null problem for a regular file (content null) or a link to a regular
    /// file inside the catalog (content: the target, whose size the listing shows); else why it is not a backup.
    /// </summary>
    public static (FileInfo? Content, string? Problem) Classify(FileInfo file, string directory)
    {
        var kind = RegularFile.KindOf(file.FullName, followLinks: false);
        if (kind is null) throw new FileNotFoundException("Removed while listing.", file.FullName);
        if (kind == UnixFileKind.Regular) return (null, null);
        if (kind != UnixFileKind.SymbolicLink) return (null, $"a {UnixFile.DescribeKind(kind.Value)}, not a regular file");

        FileSystemInfo? target;
        try
        {
            target = file.ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException)
        {
            return (null, $"a symbolic link to {file.LinkTarget} that cannot be resolved");
        }
        var targetPath = target?.FullName ?? Path.GetFullPath(file.LinkTarget ?? "", directory);
        if (!BackupNameValidator.IsInsideCatalog(targetPath, directory))
            return (null, $"a symbolic link to {targetPath}, outside the catalog");
        var targetKind = RegularFile.KindOf(targetPath);
        if (targetKind is null) return (null, $"a dangling symbolic link to {targetPath}");
        if (targetKind != UnixFileKind.Regular) return (null, $"a symbolic link to a {UnixFile.DescribeKind(targetKind.Value)}");
        return (new FileInfo(targetPath), null);
    }

    /// <summary>Newest last: by creation time, then by name.</summary>
    public static int Compare(BackupRecord a, BackupRecord b)
    {
        var c = a.CreatedAt.CompareTo(b.CreatedAt);
        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    }

    public static IReadOnlyList<BackupRecord> Filter(List<BackupRecord> all, string? namePattern, BackupKind? kind, int? latest)
    {
        IEnumerable<BackupRecord> q = all;
        if (!string.IsNullOrEmpty(namePattern))
        {
            var regex = WildcardToRegex(namePattern);
            q = q.Where(b => regex.IsMatch(b.Name));
        }
        if (kind is not null) q = q.Where(b => b.Kind == kind);
        var list = q.ToList();
        if (latest is { } n) list = list.Skip(Math.Max(0, list.Count - n)).ToList();
        return list;
    }

    /// <summary>Files our tools or the seed tools named as backups list even when their content is damaged: verification says what is wrong.</summary>
    private static bool LooksNamedLikeBackup(string name)
        => BackupNaming.TimestampFromName(name, ours: false) is not null || name.StartsWith("redis-backup-", StringComparison.Ordinal);

    /// <summary>'*' any run, '?' one character, everything else literal; case-insensitive like PowerShell wildcards.</summary>
    private static Regex WildcardToRegex(string pattern)
    {
        var escaped = Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal);
        return new Regex("^" + escaped + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
    }
}
