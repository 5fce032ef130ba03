using System.Globalization;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Redis;

/// <summary>The one check of database numbers given by a user (a URI's, a filter's, a target's): 0 or more.</summary>
internal static class DatabaseNumbers
{
    /// <param name="what">What the number is, for the message: "The target database", "A source database to restore".</param>
    public static void Check(int? database, string what)
    {
        if (database is < 0)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidDatabase,
                string.Create(CultureInfo.InvariantCulture, $"{what} must be 0 or more, not {database}."), database);
    }

    public static void Check(IEnumerable<int>? databases, string what)
    {
        if (databases?.FirstOrDefault(d => d < 0) is { } negative and < 0) Check(negative, what);
    }
}
