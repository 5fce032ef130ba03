using System.Buffers;
using System.Formats.Tar;
using System.Globalization;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Docker;

internal sealed record ContainerSnapshotInfo
{
    public required string Container { get; init; }
    public string? ServerVersion { get; init; }
    /// <summary>Path of the RDB file inside the container (CONFIG GET dir + dbfilename).</summary>
    public string? RdbPath { get; init; }
    public long Bytes { get; init; }

    /// <summary>True when the container was stopped and its data file was copied as it is (no BGSAVE).</summary>
    public bool FromStoppedContainer { get; init; }
}

/// <summary>Knobs for a container snapshot.</summary>
internal sealed record ContainerSnapshotOptions
{
    /// <summary>How long BGSAVE (including one already running) may take before giving up.</summary>
    public TimeSpan SaveTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How often INFO persistence is polled while a save runs.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The Redis user and password, when the container's command line and environment do not reveal them.</summary>
    public ContainerCredentials? Credentials { get; init; }

    /// <summary>Copy this file of the container as it is (no BGSAVE): a data file kept by an interrupted restore.</summary>
    public string? File { get; init; }

    /// <summary>
    /// Called as the snapshot enters its stages, so a planned run announces its own steps (the save, the copy out); the
    /// text is why the save was skipped (a stopped container, a given file). Null: the stages are reported as plain lines.
    /// </summary>
    internal Action<ContainerSnapshotStage, string?>? OnStage { get; init; }
}

/// <summary>The stages of a container snapshot, for <see cref="ContainerSnapshotOptions.OnStage"/>.</summary>
internal enum ContainerSnapshotStage
{
    Saving,
    SaveSkipped,
    Copying,
}

/// <summary>
/// BGSAVE inside a container, wait for it, then stream the RDB out of the container's archive. A stopped container's
/// snapshot is its data file as it is (where its start-up configuration puts it): what the server would load on start.
/// </summary>
internal static class ContainerSnapshotSource
{
    /// <param name="destination">Receives the plain RDB bytes; left open.</param>
    public static Task<ContainerSnapshotInfo> DownloadAsync(DockerClient docker, string container, Stream destination, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
        => DownloadAsync(docker, container, destination, new ContainerSnapshotOptions(), progress, cancellationToken);

    /// <param name="destination">Receives the plain RDB bytes; left open.</param>
    public static async Task<ContainerSnapshotInfo> DownloadAsync(DockerClient docker, string container, Stream destination, ContainerSnapshotOptions options, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(options);
        var activity = $"Snapshot of container '{container}'";
        // A planned run announces its steps itself; otherwise each stage is a plain line (a skipped save says nothing).
        void Stage(ContainerSnapshotStage stage, string? skipped, string? line = null)
        {
            if (options.OnStage is { } onStage) onStage(stage, skipped);
            else if (line is not null) progress?.Report(OperationProgress.Step(activity, line));
        }

        var info = await docker.InspectContainerAsync(container, cancellationToken).ConfigureAwait(false);
        if (options.File is not null)
        {
            Stage(ContainerSnapshotStage.SaveSkipped, $"{options.File} is copied as it is instead");
            Stage(ContainerSnapshotStage.Copying, null, $"Copying {options.File} out of container '{container}' as it is");
            var copied = await CopyFileOutAsync(docker, container, options.File, destination, activity, progress, cancellationToken).ConfigureAwait(false);
            return new ContainerSnapshotInfo { Container = container, RdbPath = options.File, Bytes = copied, FromStoppedContainer = !info.Running };
        }
        if (!info.Running)
        {
            var startup = await ContainerStartupConfig.ReadAsync(docker, info, cancellationToken).ConfigureAwait(false);
            if (!startup.Known)
                throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ContainerNotRunning,
                    $"Container '{container}' is not running (it is {info.Status}) and does not start redis-server directly ({startup.Command}), so where its data file lies cannot be read. Start it to take a snapshot.", container);
            var path = JoinPath(startup.DataDirectory, startup.DbFileName);
            if (await docker.StatPathAsync(container, path, cancellationToken).ConfigureAwait(false) is null)
                throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ContainerNotRunning,
                    $"Container '{container}' is not running (it is {info.Status}) and has no data file {path}: there is nothing to copy. Start it to take a snapshot.", container);
            Stage(ContainerSnapshotStage.SaveSkipped, $"container '{container}' is stopped ({info.Status}): its data file {path} is copied as it is");
            Stage(ContainerSnapshotStage.Copying, null, $"Container '{container}' is stopped ({info.Status}): copying its data file {path} as it is");
            var copied = await CopyFileOutAsync(docker, container, path, destination, activity, progress, cancellationToken).ConfigureAwait(false);
            return new ContainerSnapshotInfo { Container = container, RdbPath = path, Bytes = copied, FromStoppedContainer = true };
        }
        var cli = ContainerRedisCli.For(docker, info, options.Credentials, await StartupPortAsync(docker, info, cancellationToken).ConfigureAwait(false));

        var version = RedisConnection.ServerVersionOf(await cli.InfoAsync("server", cancellationToken).ConfigureAwait(false));
        var rdbPath = await RdbPathAsync(cli, cancellationToken).ConfigureAwait(false);

        Stage(ContainerSnapshotStage.Saving, null, $"Triggering BGSAVE in container '{container}' and waiting for it to finish");
        await BackgroundSave.RunAsync(cli, options.SaveTimeout, options.PollInterval, cancellationToken).ConfigureAwait(false);

        Stage(ContainerSnapshotStage.Copying, null, $"Copying {rdbPath} out of container '{container}'");
        var bytes = await CopyFileOutAsync(docker, container, rdbPath, destination, activity, progress, cancellationToken).ConfigureAwait(false);
        return new ContainerSnapshotInfo { Container = container, ServerVersion = version, RdbPath = rdbPath, Bytes = bytes };
    }

    /// <summary>The port a config file sets (redis-cli inside the container needs it); null when none or unreadable (the default then applies).</summary>
    private static async Task<int?> StartupPortAsync(DockerClient docker, ContainerInfo info, CancellationToken ct)
    {
        try
        {
            var startup = await ContainerStartupConfig.ReadAsync(docker, info, ct).ConfigureAwait(false);
            return startup.Known ? startup.Port : null;
        }
        catch (RedisBackupException)
        {
            return null;
        }
    }

    /// <summary>The RDB file's path inside the container: CONFIG GET dir + dbfilename.</summary>
    internal static async Task<string> RdbPathAsync(ContainerRedisCli cli, CancellationToken ct)
    {
        var dir = await cli.ConfigGetAsync("dir", ct).ConfigureAwait(false);
        var file = await cli.ConfigGetAsync("dbfilename", ct).ConfigureAwait(false);
        return JoinPath(dir, file);
    }

    internal static string JoinPath(string dir, string file)
        => file.StartsWith('/') ? file : dir.TrimEnd('/') + "/" + file;

    /// <summary>Streams one regular file out of the container's archive into <paramref name="destination"/>, following a symbolic link.</summary>
    internal static async Task<long> CopyFileOutAsync(DockerClient docker, string container, string path, Stream destination, string activity, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        for (var hops = 0; hops < 8; hops++)
        {
            var archive = await docker.GetArchiveAsync(container, path, ct).ConfigureAwait(false);
            await using (archive.ConfigureAwait(false))
            {
                var reader = new TarReader(archive.Tar, leaveOpen: true);
                await using (reader.ConfigureAwait(false))
                {
                    var entry = await reader.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false)
                        ?? throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.ContainerArchiveEmpty, $"The Docker engine sent an empty archive for {path} in container '{container}'.", container);
                    if (entry.EntryType == TarEntryType.SymbolicLink)
                    {
                        path = entry.LinkName.StartsWith('/') ? entry.LinkName : JoinPath(path[..(path.LastIndexOf('/') + 1)], entry.LinkName);
                        continue;
                    }
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                        throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.ContainerRdbNotAFile, $"{path} in container '{container}' is not a regular file ({entry.EntryType}).", container);
                    return await CopyWithProgressAsync(entry.DataStream, destination, entry.Length, activity, progress, ct).ConfigureAwait(false);
                }
            }
        }
        throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.ContainerRdbLinkLoop, $"{path} in container '{container}' is a chain of symbolic links too long to follow.", container);
    }

    private static async Task<long> CopyWithProgressAsync(Stream source, Stream destination, long total, string activity, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long done = 0;
            var lastReport = 0L;
            int n;
            while ((n = await source.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                done += n;
                if (progress is not null && (done - lastReport >= 8 << 20 || done == total))
                {
                    lastReport = done;
                    progress.Report(new OperationProgress { Activity = activity, Status = $"{done.ToString("N0", CultureInfo.InvariantCulture)} of {total.ToString("N0", CultureInfo.InvariantCulture)} bytes", Done = done, Total = total, Bytes = done });
                }
            }
            if (done != total)
                throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.ContainerArchiveTruncated, $"The RDB file stream from the container ended after {done} of {total} bytes.");
            return done;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
