using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Engine.Restore;

/// <summary>Checks shared by the live restore paths.</summary>
internal static class RestoreGuards
{
    public static void CheckOptions(RestoreOptions options)
    {
        if (options.TargetDatabase is < 0)
            throw new RedisBackupException(ErrorKind.InvalidArgument, "InvalidDatabase", $"The target database must be 0 or more, not {options.TargetDatabase}.", options.TargetDatabase);
    }
}
