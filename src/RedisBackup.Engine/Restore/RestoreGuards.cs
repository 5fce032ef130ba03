using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>Checks shared by the live restore paths.</summary>
internal static class RestoreGuards
{
    public static void CheckOptions(RestoreOptions options)
    {
        DatabaseNumbers.Check(options.TargetDatabase, "The target database");
        DatabaseNumbers.Check(options.Databases, "A source database to restore");
        // A typo must not make an empty "successful" restore.
        if (options.Types?.FirstOrDefault(t => !Formats.KeyTypeNames.IsValidFilter(t)) is { } unknown)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidKeyType,
                $"'{unknown}' is not a key type. Use string, hash, list, set, zset or stream, a module's type name (exactly 9 characters, such as ReJSON-RL), or module for every module value. Nothing was restored.", unknown);
    }

    /// <summary>
    /// The options as a restore into <paramref name="target"/> runs them: a database named by the target's URI
    /// (redis://h/5) is the target database, where every key goes, as with the target-database option. The two given
    /// with different databases are a usage error: the URI's database is never shown and then ignored.
    /// </summary>
    public static RestoreOptions Resolve(RestoreOptions options, RedisEndpoint target)
    {
        CheckOptions(options);
        if (target.Database is not { } uriDb) return options;
        if (options.TargetDatabase is { } to && to != uriDb)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.ConflictingTargetDatabase,
                $"The target's URI names database {uriDb} but the target-database option asks for database {to}. Give the database in one place.", uriDb);
        return options with { TargetDatabase = uriDb };
    }

    /// <summary>The target as results and messages name it: the endpoint with the database every key goes into, if one.</summary>
    public static string Describe(RedisEndpoint target, RestoreOptions options) => (target with { Database = options.TargetDatabase }).ToString();
}
