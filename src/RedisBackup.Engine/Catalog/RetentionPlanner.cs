using System.Globalization;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// Decides which backups a retention policy removes. Pure: takes the listing, returns the records to delete.
/// <list type="bullet">
/// <item>Retention works per series (<see cref="BackupRecord.Series"/>: kind, source and key selection): one server's
/// backups never rotate another's away, and a <c>--match</c> export never rotates away the full one. After a backup run
/// only the series of the backup just made is considered.</item>
/// <item>Files whose source is unknown (no metadata of this tool: the seed tools' files, copies from elsewhere) belong to
/// no series and are never removed by retention; <c>remove</c> deletes them by name.</item>
/// <item>Only verified backups count toward the newest N; files that are not verified (never checked, failed) never fill
/// a slot, and are removed only once they are older than the N-th newest verified backup of their series.</item>
/// <item>Max age removes anything of the series older than the limit.</item>
/// <item>Never removed: the backup just made, and the newest backup of each series that verifies.</item>
/// </list>
/// <see cref="HoldBack"/> is the guard a backup run asks first: a new backup that shrank does not rotate others away.
/// </summary>
internal static class RetentionPlanner
{
    public static IReadOnlyList<BackupRecord> Plan(IReadOnlyList<BackupRecord> listing, RetentionPolicy policy, BackupRecord? justMade, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Keep is < 1) throw new ArgumentOutOfRangeException(nameof(policy), policy.Keep, "Keep must be at least 1.");
        if (justMade is not null && justMade.Series is null) return [];
        var remove = new List<BackupRecord>();
        var groups = listing
            .Where(b => b.Series is not null && (justMade is null || b.Series == justMade.Series))
            .GroupBy(b => b.Series!, StringComparer.Ordinal);
        foreach (var group in groups)
            remove.AddRange(PlanSeries(group.OrderBy(b => b.CreatedAt).ThenBy(b => b.Name, StringComparer.Ordinal).ToList(), policy, justMade, now));
        return remove.OrderBy(b => b.CreatedAt).ThenBy(b => b.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Why retention must not run after <paramref name="justMade"/>, or null when it may: a backup with no keys, or with
    /// fewer than half the keys of the newest earlier backup of its series, looks like an empty or wrong source (a flushed
    /// server, a typo in a filter), and rotating the older backups away would lose the last good one.
    /// </summary>
    /// <param name="plan">What retention would remove; when it removes only backups that hold no keys either, nothing is lost and it may run.</param>
    public static string? HoldBack(IReadOnlyList<BackupRecord> listing, BackupRecord justMade, IReadOnlyList<BackupRecord> plan)
    {
        ArgumentNullException.ThrowIfNull(justMade);
        ArgumentNullException.ThrowIfNull(plan);
        if (justMade.KeyCount is not { } keys || plan.All(b => b.KeyCount == 0)) return null;
        var source = justMade.Source ?? "its source";
        if (keys == 0)
            return $"the new backup {justMade.Name} holds no keys, so the older backups of {source} were kept";
        if (justMade.Series is null) return null;
        var previous = listing
            .Where(b => b.Series == justMade.Series && b.Path != justMade.Path && b.CreatedAt <= justMade.CreatedAt
                        && b.Verification != VerificationState.Failed && b.KeyCount is not null)
            .OrderBy(b => b.CreatedAt).ThenBy(b => b.Name, StringComparer.Ordinal)
            .LastOrDefault();
        if (previous?.KeyCount is { } before && keys * 2 < before)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the new backup {justMade.Name} holds {keys:N0} keys, fewer than half of the {before:N0} in {previous.Name}, the newest earlier backup of {source}, so the older backups were kept");
        }
        return null;
    }

    private static List<BackupRecord> PlanSeries(List<BackupRecord> scope, RetentionPolicy policy, BackupRecord? justMade, DateTimeOffset now)
    {
        var protectedPaths = new HashSet<string>(StringComparer.Ordinal);
        if (justMade is not null) protectedPaths.Add(justMade.Path);
        var newestVerified = scope.LastOrDefault(b => b.Verification == VerificationState.Verified);
        if (newestVerified is not null) protectedPaths.Add(newestVerified.Path);

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

        var remove = new List<BackupRecord>();
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
