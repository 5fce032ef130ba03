using System.Text.RegularExpressions;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// Lists a catalog directory: one directory enumeration, then per backup either its small metadata sidecar or a
/// bounded sniff of its first bytes. Hidden files (temporary .partial files, the lock, the journal) and sidecars never list.
/// </summary>
internal static class CatalogScanner
{
    public static List<BackupRecord> Scan(string directory)
    {
        var result = new List<BackupRecord>();
        if (!Directory.Exists(directory)) return result;
        var files = new DirectoryInfo(directory).GetFiles("*", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = true });
        var names = new HashSet<string>(files.Select(f => f.Name), StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (!BackupNaming.IsCandidate(file.Name)) continue;
            BackupRecord record;
            try
            {
                record = BackupInspector.Describe(file, names.Contains(BackupNaming.MetadataName(file.Name)), names.Contains(BackupNaming.ChecksumName(file.Name)));
            }
            catch (FileNotFoundException)
            {
                continue; // removed while we listed
            }
            // A foreign file that is neither RDB nor a key-level export by content is not a backup (say, a package.json).
            if (!record.HasMetadata && record.Format == BackupFormat.Unknown && !LooksNamedLikeBackup(file.Name)) continue;
            result.Add(record);
        }
        result.Sort(Compare);
        return result;
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
