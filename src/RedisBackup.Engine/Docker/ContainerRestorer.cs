using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.Text.RegularExpressions;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Engine.Docker;

/// <summary>What a container restore needs to know about its target before anything changes.</summary>
public sealed record ContainerTarget
{
    public required string Container { get; init; }
    public required string DataDirectory { get; init; }
    public required string DbFileName { get; init; }
    public bool AppendOnly { get; init; }
    public string? ServerVersion { get; init; }

    /// <summary>The RDB file's full path inside the container.</summary>
    public string RdbPath => ContainerSnapshotSource.JoinPath(DataDirectory, DbFileName);
}

/// <summary>Replaces a container's RDB file and restarts it: stop, put, start, wait for loading, check the key count.</summary>
public static partial class ContainerRestorer
{
    /// <summary>How long Redis may take to come back and load the file after the restart.</summary>
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(30);

    /// <summary>Inspects the container and its Redis; throws NotFound / NotSupported (appendonly yes) before anything changes.</summary>
    public static async Task<ContainerTarget> PrepareAsync(DockerClient docker, string container, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        var info = await docker.InspectContainerAsync(container, cancellationToken).ConfigureAwait(false);
        if (!info.Running)
            throw new RedisBackupException(ErrorKind.NotSupported, "ContainerNotRunning",
                $"Container '{container}' is not running (it is {info.Status}). Start it first: its Redis settings (dir, dbfilename, appendonly) are read from the running server before anything changes.", container);
        var cli = ContainerRedisCli.For(docker, info);
        var dir = await cli.ConfigGetAsync("dir", cancellationToken).ConfigureAwait(false);
        var file = await cli.ConfigGetAsync("dbfilename", cancellationToken).ConfigureAwait(false);
        var appendOnly = string.Equals(await cli.ConfigGetAsync("appendonly", cancellationToken).ConfigureAwait(false), "yes", StringComparison.OrdinalIgnoreCase);
        var version = (await cli.InfoAsync("server", cancellationToken).ConfigureAwait(false)).GetValueOrDefault("redis_version");
        if (appendOnly)
            throw new RedisBackupException(ErrorKind.NotSupported, "AppendOnlyTarget",
                $"Container '{container}' runs Redis with appendonly yes, so on restart it loads only its AOF and a replaced {file} would silently be ignored. " +
                "Nothing was changed. Restore into the live server over its port instead (a live restore), which replays the keys without a restart.",
                container);
        return new ContainerTarget { Container = info.Name, DataDirectory = dir, DbFileName = file, AppendOnly = false, ServerVersion = version };
    }

    /// <summary>The steps <see cref="RestoreAsync"/> would run, for -WhatIf / --dry-run.</summary>
    public static IReadOnlyList<string> Plan(ContainerTarget target, string rdbFile)
    {
        ArgumentNullException.ThrowIfNull(target);
        var grace = DockerClient.DefaultStopGrace.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
        return
        [
            $"Stop container '{target.Container}' (up to {grace} s for Redis to shut down)",
            $"Copy {rdbFile} into container '{target.Container}' as {target.RdbPath}",
            $"Start container '{target.Container}' and wait until Redis has loaded the data",
            $"Check that the number of keys in container '{target.Container}' matches the backup",
        ];
    }

    /// <param name="rdbFile">A plain RDB file on the local disk.</param>
    /// <param name="expectedKeys">Keys the file holds (from verification); checked with DBSIZE after the restart.</param>
    public static async Task<RestoreResult> RestoreAsync(DockerClient docker, ContainerTarget target, string rdbFile, long expectedKeys, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        ArgumentNullException.ThrowIfNull(target);
        var started = Stopwatch.StartNew();
        var container = target.Container;
        var activity = $"Restore into container '{container}'";
        var ct = cancellationToken;

        var file = OpenRead(rdbFile);
        await using (file.ConfigureAwait(false))
        {
            var (mode, uid, gid) = await OwnershipAsync(docker, target, ct).ConfigureAwait(false);

            progress?.Report(OperationProgress.Step(activity, $"Step 1/4: stopping container '{container}'"));
            await docker.StopContainerAsync(container, DockerClient.DefaultStopGrace, ct).ConfigureAwait(false);
            var restartedAt = DateTimeOffset.UtcNow.AddSeconds(-1);

            progress?.Report(OperationProgress.Step(activity, $"Step 2/4: copying {Path.GetFileName(rdbFile)} into container '{container}' as {target.RdbPath}"));
            try
            {
                await docker.PutFileAsync(container, target.DataDirectory, target.DbFileName, file, mode, uid, gid, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisBackupException or IOException)
            {
                // Bring the server back with whatever it had; the caller's safety snapshot holds the previous data.
                try { await docker.StartContainerAsync(container, CancellationToken.None).ConfigureAwait(false); }
                catch (RedisBackupException) { }
                throw new RedisBackupException(ErrorKind.WriteFailed, "ContainerRestoreCopyFailed",
                    $"Copying the backup into container '{container}' failed, so the restore did not happen; the container was started again. {ex.Message}", container, ex);
            }

            progress?.Report(OperationProgress.Step(activity, $"Step 3/4: starting container '{container}' and waiting for Redis to load the data"));
            await docker.StartContainerAsync(container, ct).ConfigureAwait(false);
            var cli = await WaitUntilLoadedAsync(docker, container, ct).ConfigureAwait(false);

            progress?.Report(OperationProgress.Step(activity, $"Step 4/4: checking the key count in container '{container}'"));
            var keys = await cli.TotalKeysAsync(ct).ConfigureAwait(false);
            long expired = 0;
            if (keys != expectedKeys)
            {
                // Keys whose expiry passed since the backup are dropped on load; Redis 7+ logs how many.
                var loaded = LoadedCounts(await docker.GetLogsAsync(container, 200, restartedAt, ct).ConfigureAwait(false));
                if (loaded is not { } counts || counts.Loaded + counts.Expired != expectedKeys || keys > counts.Loaded)
                    throw new RedisBackupException(ErrorKind.ServerError, "RestoreKeyCountMismatch",
                        $"After the restart container '{container}' holds {keys} keys but the backup has {expectedKeys}: the restore did not take effect as expected." +
                        (loaded is { } c ? $" Redis reported {c.Loaded} keys loaded and {c.Expired} expired." : ""), container);
                expired = counts.Expired;
            }
            return new RestoreResult
            {
                BackupPath = rdbFile,
                Target = "container:" + container,
                Method = "container",
                Restored = expectedKeys - expired,
                Expired = expired,
                Total = expectedKeys,
                Duration = started.Elapsed,
            };
        }
    }

    /// <summary>Mode and owner for the new file: those of the current RDB file, else the data directory's owner with 0644.</summary>
    private static async Task<(UnixFileMode Mode, int Uid, int Gid)> OwnershipAsync(DockerClient docker, ContainerTarget target, CancellationToken ct)
    {
        const UnixFileMode Default = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        var fileStat = await docker.StatPathAsync(target.Container, target.RdbPath, ct).ConfigureAwait(false);
        var probe = fileStat is { IsDirectory: false, IsSymbolicLink: false } ? target.RdbPath : target.DataDirectory;
        var header = await FirstEntryAsync(docker, target.Container, probe, ct).ConfigureAwait(false);
        if (header is null) return (Default, 0, 0);
        var mode = probe == target.RdbPath ? header.Mode | UnixFileMode.UserRead : Default;
        return (mode, header.Uid, header.Gid);
    }

    /// <summary>The tar header of a path (read, then the transfer is abandoned).</summary>
    private static async Task<TarEntry?> FirstEntryAsync(DockerClient docker, string container, string path, CancellationToken ct)
    {
        var archive = await docker.GetArchiveAsync(container, path, ct).ConfigureAwait(false);
        await using (archive.ConfigureAwait(false))
        {
            var reader = new TarReader(archive.Tar, leaveOpen: true);
            await using (reader.ConfigureAwait(false))
                return await reader.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false);
        }
    }

    private static async Task<ContainerRedisCli> WaitUntilLoadedAsync(DockerClient docker, string container, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        string last = "no answer yet";
        while (clock.Elapsed < LoadTimeout)
        {
            var info = await docker.InspectContainerAsync(container, ct).ConfigureAwait(false);
            if (!info.Running)
            {
                var logs = await docker.GetLogsAsync(container, 15, null, ct).ConfigureAwait(false);
                throw new RedisBackupException(ErrorKind.ServerError, "RestoreLoadFailed",
                    $"Container '{container}' stopped (exit code {info.ExitCode}) instead of loading the restored file. Its last log lines:{Environment.NewLine}{logs.TrimEnd()}", container);
            }
            var cli = ContainerRedisCli.For(docker, info);
            try
            {
                var (pong, error) = await cli.TryRunAsync(ct, "PING").ConfigureAwait(false);
                if (error is null && pong == "PONG"
                    && (await cli.InfoAsync("persistence", ct).ConfigureAwait(false)).GetValueOrDefault("loading") == "0")
                    return cli;
                last = error ?? pong;
            }
            catch (RedisBackupException ex) when (ex.ErrorId is "ContainerRedisUnreachable" or "ContainerNotRunning")
            {
                last = ex.Message;
            }
            await Task.Delay(200, ct).ConfigureAwait(false);
        }
        throw new RedisBackupException(ErrorKind.Timeout, "RestoreLoadTimeout",
            $"Redis in container '{container}' did not finish loading within {LoadTimeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s (last answer: {last}).", container);
    }

    private static (long Loaded, long Expired)? LoadedCounts(string logs)
    {
        var matches = LoadedLine().Matches(logs);
        if (matches.Count == 0) return null;
        var m = matches[^1];
        return (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"Done loading RDB, keys loaded: (\d+), keys expired: (\d+)")]
    private static partial Regex LoadedLine();

    private static FileStream OpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RedisBackupException(ErrorKind.NotFound, "BackupNotFound", $"The backup file '{path}' does not exist.", path, ex);
        }
    }
}
