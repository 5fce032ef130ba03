namespace RedisBackup.Engine.Catalog;

/// <summary>
/// Decides which backups a retention policy removes. Pure: takes the listing, returns the records to delete.
/// <list type="bullet">
/// <item>Only verified backups count toward the newest N; files that are not verified (foreign, never checked,
/// failed) never fill a slot, and are removed only once they are older than the N-th newest verified backup.</item>
/// <item>Max age removes anything older than the limit.</item>
/// <item>Never removed: the backup just made, and the newest backup that verifies.</item>
/// <item>When a backup was just made, only backups of its kind are considered, so keeping 7 key-level exports
/// never deletes snapshots.</item>
/// </list>
/// </summary>
internal static class RetentionPlanner
{
    public static IReadOnlyList<BackupRecord> Plan(IReadOnlyList<BackupRecord> listing, RetentionPolicy policy, BackupRecord? justMade, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Keep is < 1) throw new ArgumentOutOfRangeException(nameof(policy), policy.Keep, "Keep must be at least 1.");
        var scope = listing
            .Where(b => justMade is null || b.Kind == justMade.Kind)
            .OrderBy(b => b.CreatedAt).ThenBy(b => b.Name, StringComparer.Ordinal)
            .ToList();

        var protectedPaths = new HashSet<string>(StringComparer.Ordinal);
        if (justMade is not null) protectedPaths.Add(justMade.Path);
        var newestVerified = scope.LastOrDefault(b => b.Verification == VerificationState.Verified);
        if (newestVerified is not null) protectedPaths.Add(newestVerified.Path);

        var remove = new List<BackupRecord>();
        DateTimeOffset? keepBoundary = null;
        HashSet<string>? keptByCount = null;
        if (policy.Keep is { } keep)
        {
            var verifiedNewestFirst = scope.Where(b => b.Verification == VerificationState.Verified).Reverse().ToList();
            if (verifiedNewestFirst.Count > keep)
            {
                keptByCount = verifiedNewestFirst.Take(keep).Select(b => b.Path).ToHashSet(StringComparer.Ordinal);
                keepBoundary = verifiedNewestFirst[keep - 1].CreatedAt;
            }
        }

        foreach (var b in scope)
        {
            if (protectedPaths.Contains(b.Path)) continue;
            var beyondCount = keptByCount is not null && !keptByCount.Contains(b.Path) && b.CreatedAt <= keepBoundary;
            var tooOld = policy.MaxAge is { } maxAge && now - b.CreatedAt > maxAge;
            if (beyondCount || tooOld) remove.Add(b);
        }
        return remove;
    }
}
