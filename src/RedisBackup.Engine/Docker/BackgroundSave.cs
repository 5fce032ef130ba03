using System.Diagnostics;
using System.Globalization;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Docker;

/// <summary>
/// BGSAVE and a reliable wait for it (fact sheet 4.2): record LASTSAVE, wait a second so a new save gets a later
/// timestamp, BGSAVE (after any save already running ends), then poll INFO persistence until no save runs,
/// LASTSAVE has moved on and the last status is ok.
/// </summary>
internal static class BackgroundSave
{
    public static async Task RunAsync(ContainerRedisCli cli, TimeSpan timeout, TimeSpan pollInterval, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (clock.Elapsed > timeout) throw TimedOut(cli, timeout);
            var before = await LastSaveAsync(cli, ct).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(1.1), ct).ConfigureAwait(false);

            var (reply, error) = await cli.TryRunAsync(ct, "BGSAVE").ConfigureAwait(false);
            if (error is not null && error.Contains("already in progress", StringComparison.OrdinalIgnoreCase))
            {
                // Someone else's save (or a replica's full sync) holds the fork: let it end, then save our own.
                await WaitForNoSaveAsync(cli, timeout, clock, pollInterval, ct).ConfigureAwait(false);
                continue;
            }
            var scheduled = false;
            if (error is not null && error.Contains("Another child process", StringComparison.OrdinalIgnoreCase))
            {
                (reply, error) = await cli.TryRunAsync(ct, "BGSAVE", "SCHEDULE").ConfigureAwait(false);
                scheduled = true;
            }
            if (error is not null) throw cli.ErrorReply(["BGSAVE"], error);
            scheduled |= reply.Contains("scheduled", StringComparison.OrdinalIgnoreCase);

            await WaitForOurSaveAsync(cli, before, scheduled, timeout, clock, pollInterval, ct).ConfigureAwait(false);
            return;
        }
    }

    private static async Task WaitForOurSaveAsync(ContainerRedisCli cli, long before, bool scheduled, TimeSpan timeout, Stopwatch clock, TimeSpan poll, CancellationToken ct)
    {
        while (true)
        {
            var info = await cli.InfoAsync("persistence", ct).ConfigureAwait(false);
            var inProgress = info.GetValueOrDefault("rdb_bgsave_in_progress") == "1";
            var lastSave = Long(info, "rdb_last_save_time");
            var ok = info.GetValueOrDefault("rdb_last_bgsave_status") == "ok";
            if (!inProgress)
            {
                if (lastSave > before && ok) return;
                // A scheduled save may not have started yet; a started one that ended without moving LASTSAVE failed.
                if (!scheduled)
                    throw new RedisBackupException(ErrorKind.ServerError, ErrorIds.BackgroundSaveFailed,
                        $"BGSAVE in container '{cli.Container}' failed (rdb_last_bgsave_status:{info.GetValueOrDefault("rdb_last_bgsave_status", "?")}). " +
                        "Check the container's log: the data directory may be full or not writable.", cli.Container);
            }
            else
            {
                scheduled = false;
            }
            if (clock.Elapsed > timeout) throw TimedOut(cli, timeout);
            await Task.Delay(poll, ct).ConfigureAwait(false);
        }
    }

    private static async Task WaitForNoSaveAsync(ContainerRedisCli cli, TimeSpan timeout, Stopwatch clock, TimeSpan poll, CancellationToken ct)
    {
        while ((await cli.InfoAsync("persistence", ct).ConfigureAwait(false)).GetValueOrDefault("rdb_bgsave_in_progress") == "1")
        {
            if (clock.Elapsed > timeout) throw TimedOut(cli, timeout);
            await Task.Delay(poll, ct).ConfigureAwait(false);
        }
    }

    private static async Task<long> LastSaveAsync(ContainerRedisCli cli, CancellationToken ct)
    {
        var text = await cli.RunAsync(ct, "LASTSAVE").ConfigureAwait(false);
        return long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new RedisBackupException(ErrorKind.ProtocolError, ErrorIds.ContainerRedisReplyInvalid, $"Redis in container '{cli.Container}' answered LASTSAVE with '{text}', not a timestamp.", cli.Container);
    }

    private static long Long(Dictionary<string, string> info, string field)
        => long.TryParse(info.GetValueOrDefault(field), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static RedisBackupException TimedOut(ContainerRedisCli cli, TimeSpan timeout)
        => new(ErrorKind.Timeout, ErrorIds.BackgroundSaveTimeout,
            $"BGSAVE in container '{cli.Container}' did not finish within {timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s. The save may still be running; nothing was copied.", cli.Container);
}
