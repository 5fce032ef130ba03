using System.Globalization;
using System.Security.Cryptography;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Docker;

/// <summary>What the check after the restart found.</summary>
internal sealed record LoadedData(long Keys, long Expired, string Description);

/// <summary>
/// Proves after the restart that the server holds the backup's data, not only as many keys: every database holds the
/// backup's number of keys (less at most the keys that carry an expiry time), and each sampled key exists with its
/// type and, for a string, its exact value (SHA-256 of GET). Data loaded from somewhere else (an AOF, an older file)
/// fails this check.
/// </summary>
internal static class LoadedDataCheck
{
    public static async Task<LoadedData> RunAsync(ContainerRedisCli cli, RestoreEvidence evidence, CancellationToken ct)
    {
        var onServer = await cli.KeysPerDatabaseAsync(ct).ConfigureAwait(false);
        long total = 0;
        foreach (var db in onServer.Keys.Union(evidence.KeysPerDatabase.Keys).Order())
        {
            var expected = evidence.KeysPerDatabase.GetValueOrDefault(db);
            var mayExpire = evidence.ExpiringPerDatabase.GetValueOrDefault(db);
            var actual = onServer.GetValueOrDefault(db);
            total += actual;
            // A file checked only in part (a newer server's) holds at least the keys counted before the unknown part.
            if ((actual > expected && evidence.Complete) || actual < expected - mayExpire)
                throw new RedisBackupException(ErrorKind.ServerError, ErrorIds.RestoreKeyCountMismatch,
                    $"After the restart database {db.ToString(CultureInfo.InvariantCulture)} in container '{cli.Container}' holds {actual.ToString("N0", CultureInfo.InvariantCulture)} keys " +
                    $"but the backup has {(evidence.Complete ? "" : "at least ")}{expected.ToString("N0", CultureInfo.InvariantCulture)} there" +
                    (mayExpire > 0 ? $" ({mayExpire.ToString("N0", CultureInfo.InvariantCulture)} of them with an expiry time)" : "") +
                    ": Redis did not load the restored file as it is (it may have loaded an AOF or another file).", cli.Container);
        }

        foreach (var sample in evidence.Samples)
        {
            var db = cli.InDatabase(sample.Database);
            var type = (await db.RunAsync(ct, "TYPE", sample.Key).ConfigureAwait(false)).Trim();
            string? problem = null;
            if (RedisKeyTypes.Parse(type) == RedisKeyType.None) problem = "is missing";
            else if (type != sample.Type) problem = $"is a {type}, not a {sample.Type} as in the backup";
            else if (sample.ValueSha256 is { } expectedSha)
            {
                var raw = await db.RunRawAsync(ct, "GET", sample.Key).ConfigureAwait(false);
                // redis-cli prints a bulk reply's bytes followed by one newline.
                var value = raw.Length > 0 && raw[^1] == (byte)'\n' ? raw.AsSpan(0, raw.Length - 1) : raw;
                if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(value)), expectedSha, StringComparison.Ordinal))
                    problem = "has a different value than in the backup";
            }
            if (problem is not null)
                throw new RedisBackupException(ErrorKind.ServerError, ErrorIds.RestoreDataMismatch,
                    $"After the restart key '{sample.Key}' (database {sample.Database.ToString(CultureInfo.InvariantCulture)}) in container '{cli.Container}' {problem}: " +
                    "Redis did not load the restored file as it is (it may have loaded an AOF or another file).", cli.Container);
        }

        var strings = evidence.Samples.Count(s => s.ValueSha256 is not null);
        var description = $"keys per database match the backup and {evidence.Samples.Count.ToString(CultureInfo.InvariantCulture)} sampled keys have their type" +
                          (strings > 0 ? $" ({strings.ToString(CultureInfo.InvariantCulture)} strings also their exact value)" : "");
        return new LoadedData(total, Math.Max(0, evidence.Keys - total), description);
    }
}
