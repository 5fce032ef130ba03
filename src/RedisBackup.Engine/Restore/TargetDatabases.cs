using System.Globalization;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// The databases a live restore target has, and the checks that keep every write inside them. The count comes from
/// <c>CONFIG GET databases</c>; a server that refuses CONFIG (renamed, an ACL without it, a managed service) is asked
/// with a <c>SELECT</c> round trip per database instead. Databases known before the file is read (the target-database
/// option, the databases a verified backup holds keys in) are checked before anything is written; any other database is
/// checked the first time a record names it, and the pipeline awaits that check before it writes into it.
/// </summary>
internal sealed class TargetDatabases
{
    private TargetDatabases(int? count) => Count = count;

    /// <summary>The target's number of databases, or null when it would not say.</summary>
    public int? Count { get; }

    /// <summary>Reads the target's database count (one round trip; a refusal is not an error).</summary>
    public static async Task<TargetDatabases> ReadAsync(RedisConnection connection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var reply = await connection.ExecuteRawAsync(["CONFIG", "GET", "databases"], ct).ConfigureAwait(false);
        if (!reply.IsError && reply.Type == RespType.Array && reply.Items!.Length >= 2
            && int.TryParse(reply.Items[1].AsString(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0)
            return new TargetDatabases(count);
        return new TargetDatabases(null);
    }

    /// <summary>
    /// Reads the target's databases and checks, before anything is written, the ones already known: the target database
    /// when one is asked for, else the databases the backup is known to hold keys in (of them, those the database filter
    /// selects).
    /// </summary>
    public static async Task<TargetDatabases> PrepareAsync(RedisConnection connection, Model.RestoreOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var databases = await ReadAsync(connection, ct).ConfigureAwait(false);
        if (options.TargetDatabase is { } to) await databases.CheckBeforeWritingAsync([to], fromOption: true, connection, ct).ConfigureAwait(false);
        else if (options.KnownSourceDatabases is { Count: > 0 } known)
        {
            // Only the databases the database filter selects are written (a backup's other databases are left out).
            var written = options.Databases is { Count: > 0 } selected ? known.Where(selected.Contains).ToList() : known;
            if (written.Count > 0) await databases.CheckBeforeWritingAsync(written, fromOption: false, connection, ct).ConfigureAwait(false);
        }
        return databases;
    }

    /// <summary>
    /// Before anything is written: every database in <paramref name="databases"/> must exist on the target, by its count
    /// and by a SELECT round trip (which also catches a cluster node or a proxy that has database 0 only). Leaves the
    /// connection's selected database to the caller: the pipeline selects before it writes.
    /// </summary>
    /// <param name="fromOption">True when the database was asked for (target-database option, URI), false when the backup holds it.</param>
    public async Task CheckBeforeWritingAsync(IEnumerable<int> databases, bool fromOption, RedisConnection connection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(databases);
        ArgumentNullException.ThrowIfNull(connection);
        var sorted = databases.Distinct().Order().ToList();
        foreach (var db in sorted) Check(db, fromOption, connection.Endpoint, nothingWritten: true);
        foreach (var db in sorted)
        {
            var reply = await connection.ExecuteRawAsync(["SELECT", db], ct).ConfigureAwait(false);
            if (reply.IsError) throw SelectRefused(db, reply.AsString() ?? "", fromOption, connection.Endpoint, nothingWritten: true);
        }
    }

    /// <summary>Refuses a database the target's count rules out (no round trip; nothing when the count is unknown).</summary>
    public void Check(int db, bool fromOption, RedisEndpoint target, bool nothingWritten)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (Count is { } count && db >= count) throw OutOfRange(db, count, fromOption, target, nothingWritten);
    }

    private static string Remedy(bool fromOption) => fromOption
        ? "Choose a database the target has, or raise 'databases' in the target's configuration."
        : "Put the keys into a database the target has with the target-database option (--to-db, -ToDatabase), or raise 'databases' in the target's configuration.";

    private static string Subject(int db, bool fromOption) => fromOption
        ? $"Database {db.ToString(CultureInfo.InvariantCulture)} was asked for as the target database"
        : $"The backup holds keys in database {db.ToString(CultureInfo.InvariantCulture)}";

    public static RedisBackupException OutOfRange(int db, int count, bool fromOption, RedisEndpoint target, bool nothingWritten)
        => new(fromOption ? ErrorKind.InvalidArgument : ErrorKind.NotSupported, ErrorIds.DatabaseOutOfRange,
            $"{Subject(db, fromOption)}, but the target {target.Address} has {count.ToString(CultureInfo.InvariantCulture)} databases " +
            $"(0-{(count - 1).ToString(CultureInfo.InvariantCulture)}).{(nothingWritten ? " Nothing was written." : "")} {Remedy(fromOption)}",
            db);

    public static RedisBackupException SelectRefused(int db, string reply, bool fromOption, RedisEndpoint target, bool nothingWritten)
    {
        if (reply.StartsWith("NOPERM", StringComparison.Ordinal) || reply.StartsWith("NOAUTH", StringComparison.Ordinal))
            return RedisServerException.FromReply(reply, "SELECT");
        return new RedisBackupException(fromOption ? ErrorKind.InvalidArgument : ErrorKind.NotSupported, ErrorIds.DatabaseOutOfRange,
            $"{Subject(db, fromOption)}, but the target {target.Address} refused SELECT {db.ToString(CultureInfo.InvariantCulture)}: {reply}." +
            $"{(nothingWritten ? " Nothing was written." : "")} {Remedy(fromOption)}",
            db);
    }
}
