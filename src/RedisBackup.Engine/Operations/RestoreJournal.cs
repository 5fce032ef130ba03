using System.Globalization;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Restore;

namespace RedisBackup.Engine.Operations;

/// <summary>
/// Records failed, cancelled and incomplete restores in the journal of the catalog that holds the backup, so stats show
/// the last failed restore next to the backups. A backup restored from a directory that is not a catalog (no lock file
/// and no journal of this tool there) is not journalled: the tool never creates bookkeeping files in other directories.
/// </summary>
internal static class RestoreJournal
{
    public static void RecordFailure(RestoreRequest request, Exception error)
    {
        var directory = CatalogOf(request.Path);
        if (directory is null) return;
        new BackupCatalog(directory).RecordFailure("restore", Path.GetFullPath(request.Path), error, TargetOf(request));
    }

    /// <summary>A restore that finished with keys or function libraries that failed is a failure too (the CLI exits 1).</summary>
    public static void RecordIncomplete(RestoreRequest request, RestoreResult result)
    {
        var functions = result.Functions is { Failed: > 0 } f
            ? string.Create(CultureInfo.InvariantCulture, $"{f.Failed} of {f.Libraries} function libraries failed (the first: '{f.Failures[0].Library}': {f.Failures[0].Reason}).")
            : null;
        if (result.Failed == 0)
        {
            if (functions is not null) RecordFailure(request, new RedisBackupException(ErrorKind.ServerError, ErrorIds.RestoreIncomplete, functions));
            return;
        }
        var first = result.Failures.Count > 0 ? $" The first: key '{result.Failures[0].Key}' (db {result.Failures[0].Database}): {result.Failures[0].Reason}" : "";
        RecordFailure(request, new RedisBackupException(ErrorKind.ServerError, ErrorIds.RestoreIncomplete,
            string.Create(CultureInfo.InvariantCulture, $"{result.Failed:N0} of {result.Total:N0} keys failed ({result.Restored:N0} restored).{first}") + (functions is null ? "" : " " + functions)));
    }

    /// <summary>The target as the restore named it: the container, or the endpoint with the database every key went into (redis://h:p/5).</summary>
    private static string TargetOf(RestoreRequest request)
        => request.Container is not null ? "container:" + request.Container
            : request.Endpoint is { } endpoint ? RestoreGuards.Describe(endpoint, request.Options) : "";

    private static string? CatalogOf(string path)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is null) return null;
            var marked = File.Exists(Path.Combine(directory, BackupNaming.LockFileName)) || File.Exists(Path.Combine(directory, BackupNaming.JournalFileName));
            return marked ? directory : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
