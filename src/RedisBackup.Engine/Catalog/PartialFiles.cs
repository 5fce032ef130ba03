using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// The hidden ".partial" files of a catalog: a new backup, a copy or a sidecar being written, each held with an
/// exclusive OS lock (flock, which .NET takes for FileShare.None) while its writer lives. A partial file whose lock can be
/// taken has no writer left: a run that was killed (SIGKILL, power loss) or whose cleanup failed. Stats report them;
/// a backup run, under the catalog lock, removes the stale ones that are older than the run itself.
/// A file younger than <see cref="Settle"/> is never probed, so a writer between its open and its lock is never disturbed.
/// </summary>
internal static class PartialFiles
{
    /// <summary>How old a partial file must be before its lock is probed.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    public static IReadOnlyList<PartialFile> Scan(string directory, DateTimeOffset now)
    {
        var result = new List<PartialFile>();
        foreach (var path in Candidates(directory))
        {
            if (Describe(path, now) is { } partial) result.Add(partial);
        }
        return result.OrderBy(p => p.ModifiedAt).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Removes the stale partial files last written before <paramref name="before"/>; returns their names.</summary>
    public static IReadOnlyList<string> RemoveStale(string directory, DateTimeOffset before, DateTimeOffset now)
    {
        var removed = new List<string>();
        foreach (var path in Candidates(directory))
        {
            var partial = Describe(path, now);
            if (partial is not { Stale: true } || partial.ModifiedAt >= before) continue;
            try
            {
                File.Delete(path);
                removed.Add(partial.Name);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Left for the next run; stats keep reporting it.
            }
        }
        return removed;
    }

    private static List<string> Candidates(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        try
        {
            return Directory.EnumerateFiles(directory, "*" + BackupNaming.PartialSuffix, new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true })
                .Where(p => Path.GetFileName(p).StartsWith('.'))
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static PartialFile? Describe(string path, DateTimeOffset now)
    {
        var name = Path.GetFileName(path);
        if (!UnixFile.IsSupported)
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.LinkTarget is not null) return null;
            var modified = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
            return new PartialFile { Name = name, SizeBytes = info.Length, ModifiedAt = modified, Stale = now - modified >= Settle && !InUsePortable(path) };
        }
        var status = UnixFile.LinkStatus(path);
        if (status is not { Kind: UnixFileKind.Regular } s) return null;
        var stale = false;
        if (now - s.Modified >= Settle)
        {
            using var handle = UnixFile.Open(path, UnixFile.OpenFlags.ReadOnly | UnixFile.OpenFlags.NoFollow | UnixFile.OpenFlags.NonBlocking, out _);
            stale = handle is not null && UnixFile.Status(handle).Inode == s.Inode && UnixFile.TryLockExclusive(handle);
        }
        return new PartialFile { Name = name, SizeBytes = s.Size, ModifiedAt = s.Modified, Stale = stale };
    }

    private static bool InUsePortable(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }
}
