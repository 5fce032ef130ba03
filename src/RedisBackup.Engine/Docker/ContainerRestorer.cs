using System.Diagnostics;
using System.Globalization;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Docker;

/// <summary>What a container restore needs to know about its target before anything changes.</summary>
internal sealed record ContainerTarget
{
    public required string Container { get; init; }
    public required string DataDirectory { get; init; }
    public required string DbFileName { get; init; }
    public bool AppendOnly { get; init; }
    public string? ServerVersion { get; init; }

    /// <summary>True when the container ran: it runs again whatever happens. A stopped one is left stopped if the restore fails.</summary>
    public bool Running { get; init; } = true;

    /// <summary>Keys the running server held when it was prepared (INFO keyspace).</summary>
    public long? KeysBefore { get; init; }

    /// <summary>Where the data directory and file name were read from, for messages.</summary>
    public string SettingsSource { get; init; } = "";

    /// <summary>
    /// A data file an earlier restore kept under a second name and could not release because it was interrupted
    /// (killed): the data the container held before that restore. Null when there is none (or it is empty).
    /// </summary>
    public string? InterruptedRestoreFile { get; init; }

    /// <summary>The Redis user and password given for the redis-cli run inside the container.</summary>
    public ContainerCredentials? Credentials { get; init; }

    /// <summary>The port redis-cli uses inside the container, when the start-up configuration sets one.</summary>
    public int? Port { get; init; }

    /// <summary>INFO server of the running server, for the version check; null when the container was stopped.</summary>
    internal IReadOnlyDictionary<string, string>? ServerInfo { get; init; }

    /// <summary>The RDB file's full path inside the container.</summary>
    public string RdbPath => ContainerSnapshotSource.JoinPath(DataDirectory, DbFileName);
}

/// <summary>
/// How the five steps of a container restore (stop, copy in, switch, start, check) are numbered, named and announced
/// when they are part of a larger plan: the first one's number, the plan's step count, and the progress report of
/// entering step <c>i</c> (0 to 4), or of skipping it with a reason.
/// </summary>
internal sealed record SwapSteps(int First, int Total, Func<int, string?, OperationProgress> Report);

/// <summary>
/// Replaces a container's RDB file and restarts it without ever leaving a partial or missing data file behind:
/// stop, copy the new file in under a temporary name, keep the current file under a second name, switch the live
/// name, start, wait for the load and prove the data is the backup's. Any failure after the stop, cancellation
/// included, puts the previous file back and starts the container again (see docs/reliability.md, "Container restores").
/// </summary>
internal static class ContainerRestorer
{
    public const int Steps = 5;

    /// <summary>How long Redis may take to come back and load the file after the restart.</summary>
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(30);

    /// <summary>Inspects the container and the settings its Redis starts with; throws before anything changes when the restore would not take effect.</summary>
    public static Task<ContainerTarget> PrepareAsync(DockerClient docker, string container, CancellationToken cancellationToken)
        => PrepareAsync(docker, container, null, cancellationToken);

    /// <summary>
    /// Inspects the container (running or stopped) and the settings its Redis starts with (command line and config
    /// file), and refuses, before anything changes, a target that would load an AOF on restart or whose runtime data
    /// file differs from the one it starts with.
    /// </summary>
    public static async Task<ContainerTarget> PrepareAsync(DockerClient docker, string container, ContainerCredentials? credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        var ct = cancellationToken;
        var info = await docker.InspectContainerAsync(container, ct).ConfigureAwait(false);
        var startup = await ContainerStartupConfig.ReadAsync(docker, info, ct).ConfigureAwait(false);
        string dir, file, source;
        IReadOnlyDictionary<string, string>? serverInfo = null;
        long? keysBefore = null;
        if (info.Running)
        {
            var cli = ContainerRedisCli.For(docker, info, credentials, startup.Known ? startup.Port : null);
            serverInfo = await cli.InfoAsync("server", ct).ConfigureAwait(false);
            keysBefore = await cli.TotalKeysAsync(ct).ConfigureAwait(false);
            var runtimeDir = await TryConfigGetAsync(cli, "dir", startup.Known, ct).ConfigureAwait(false);
            var runtimeFile = await TryConfigGetAsync(cli, "dbfilename", startup.Known, ct).ConfigureAwait(false);
            var runtimeAof = await TryConfigGetAsync(cli, "appendonly", startup.Known, ct).ConfigureAwait(false);
            if (string.Equals(runtimeAof, "yes", StringComparison.OrdinalIgnoreCase))
                throw AppendOnly(info.Name, runtimeFile ?? startup.DbFileName, "runs Redis with appendonly yes");
            if (startup.Known)
            {
                if (startup.AppendOnly)
                    throw AppendOnly(info.Name, startup.DbFileName,
                        $"starts Redis with appendonly yes ({startup.Describe()}), although it is {runtimeAof ?? "unknown"} at runtime: a CONFIG SET does not survive the restart,");
                dir = startup.DataDirectory;
                file = startup.DbFileName;
                source = startup.Describe();
                if (runtimeDir is not null && runtimeFile is not null
                    && (runtimeFile != file || !await SameDirectoryAsync(docker, info.Name, dir, runtimeDir, ct).ConfigureAwait(false)))
                    throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ContainerConfigChanged,
                        $"Redis in container '{info.Name}' runs with its data file at {ContainerSnapshotSource.JoinPath(runtimeDir, runtimeFile)}, but {source} puts it at " +
                        $"{ContainerSnapshotSource.JoinPath(dir, file)}, which is what it loads on a restart. Nothing was changed. Make them agree (CONFIG SET dir/dbfilename, or CONFIG REWRITE) and run the restore again.", info.Name);
            }
            else
            {
                dir = runtimeDir ?? throw Unreadable(cli, "dir");
                file = runtimeFile ?? throw Unreadable(cli, "dbfilename");
                source = "the running server (CONFIG GET), since it does not start redis-server directly";
                // The settings it starts with are unknown: an AOF in its data directory may be what it loads on restart.
                var aofDir = await TryConfigGetAsync(cli, "appenddirname", true, ct).ConfigureAwait(false);
                var aofFile = await TryConfigGetAsync(cli, "appendfilename", true, ct).ConfigureAwait(false);
                foreach (var name in new[] { string.IsNullOrEmpty(aofDir) ? "appendonlydir" : aofDir, string.IsNullOrEmpty(aofFile) ? "appendonly.aof" : aofFile })
                {
                    if (await docker.StatPathAsync(info.Name, ContainerSnapshotSource.JoinPath(dir, name), ct).ConfigureAwait(false) is not null)
                        throw AppendOnly(info.Name, file,
                            $"has an append-only file ({ContainerSnapshotSource.JoinPath(dir, name)}) and starts through '{startup.Command}', whose settings cannot be read, so it may load that AOF on restart:");
                }
            }
        }
        else
        {
            if (!startup.Known)
                throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ContainerNotRunning,
                    $"Container '{info.Name}' is not running (it is {info.Status}) and does not start redis-server directly ({startup.Command}), so where its data file lies cannot be read from its command line. " +
                    "Start it first: then the running server is asked. Nothing was changed.", info.Name);
            if (startup.AppendOnly)
                throw AppendOnly(info.Name, startup.DbFileName, $"starts Redis with appendonly yes ({startup.Describe()}),");
            dir = startup.DataDirectory;
            file = startup.DbFileName;
            source = startup.Describe();
        }

        var target = new ContainerTarget
        {
            Container = info.Name,
            DataDirectory = dir,
            DbFileName = file,
            AppendOnly = false,
            ServerVersion = serverInfo?.GetValueOrDefault("valkey_version") ?? serverInfo?.GetValueOrDefault("redis_version"),
            Running = info.Running,
            KeysBefore = keysBefore,
            SettingsSource = source,
            Credentials = credentials,
            Port = startup.Known ? startup.Port : null,
            ServerInfo = serverInfo,
        };
        var swap = new DataFileSwap(docker, target);
        ArchiveContent.Validate([ArchiveEntry.HardLink(swap.PreviousName, swap.IncomingName, 0, 0, 0)]);
        var kept = await docker.StatPathAsync(info.Name, swap.PreviousPath, ct).ConfigureAwait(false);
        return kept is { Size: > 0, IsDirectory: false } ? target with { InterruptedRestoreFile = swap.PreviousPath } : target;
    }

    /// <summary>Reads the backup, checks it against the target's server version, then restores it (no safety snapshot: the caller takes one).</summary>
    public static async Task<RestoreResult> RestoreAsync(DockerClient docker, ContainerTarget target, RdbSource source, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(source);
        var evidence = await ReadBackupAsync(target, source, progress, cancellationToken).ConfigureAwait(false);
        CheckVersion(target, evidence, Path.GetFileName(source.Path));
        return await RestoreAsync(docker, target, source, evidence, null, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One full read of the backup before anything changes: its format, size, hash, keys and the sample checked after the restart.</summary>
    /// <param name="announce">False when the caller announced the read as a step of its own plan.</param>
    internal static Task<RestoreEvidence> ReadBackupAsync(ContainerTarget target, RdbSource source, IProgress<OperationProgress>? progress, CancellationToken ct, bool announce = true)
    {
        var activity = $"Restore into container '{target.Container}'";
        if (announce) progress?.Report(OperationProgress.Step(activity, $"Reading {Path.GetFileName(source.Path)} to know what container '{target.Container}' must hold afterwards (nothing changes yet)"));
        return RestoreEvidence.ReadAsync(source, null, progress, activity, ct);
    }

    /// <summary>
    /// Refuses, before anything changes, a file the container's server cannot load: an RDB version above what a
    /// known release reads, or the other project's format. A server newer than this tool knows is let through.
    /// </summary>
    internal static void CheckVersion(ContainerTarget target, RestoreEvidence evidence, string backupName)
    {
        if (target.ServerInfo is not { } info) return;
        var valkey = info.GetValueOrDefault("server_name") == "valkey" || info.ContainsKey("valkey_version");
        var text = valkey ? info.GetValueOrDefault("valkey_version") : info.GetValueOrDefault("redis_version");
        if (!Version.TryParse((text ?? "").Split('-')[0], out var version)) return;
        // Releases this tool knows what they read (fact sheet §1.1); anything newer decides for itself.
        var known = valkey ? version < new Version(9, 3) : version < new Version(8, 5);
        if (!known) return;
        var server = (valkey ? "Valkey " : "Redis ") + text;
        string? why = null;
        if (evidence.Magic == "VALKEY" && !valkey) why = "which cannot read Valkey's own format";
        else if (valkey && evidence.Magic == "REDIS" && evidence.Version is >= 12 and < 80) why = "which does not read the Redis-only RDB versions 12 to 79";
        else if (RdbVersions.MaxReadableBy(info) is { } max && evidence.Version > max) why = $"which reads RDB versions up to {max.ToString(CultureInfo.InvariantCulture)}";
        if (why is null) return;
        throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.RdbVersionTooNew,
            $"{backupName} is RDB version {evidence.Version.ToString(CultureInfo.InvariantCulture)} (written by {RdbVersions.ReleaseOf(evidence.Version)}), but container '{target.Container}' runs {server}, {why}. " +
            "Nothing was changed: the container was not stopped. Restore it into a container whose server is at least as new as the one that wrote it, or take a key-level backup of the source, which restores into any version.",
            target.Container);
    }

    /// <param name="safetySnapshot">The safety snapshot taken before (named in every failure message), or null.</param>
    /// <param name="numbering">How the five steps are numbered, named and announced: the restore operation passes its plan's; null gives "Step n/5".</param>
    internal static async Task<RestoreResult> RestoreAsync(DockerClient docker, ContainerTarget target, RdbSource source, RestoreEvidence evidence, string? safetySnapshot,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken, SwapSteps? numbering = null)
    {
        ArgumentNullException.ThrowIfNull(docker);
        var started = Stopwatch.StartNew();
        var container = target.Container;
        var activity = $"Restore into container '{container}'";
        var ct = cancellationToken;
        var swap = new DataFileSwap(docker, target);
        await swap.InspectAsync(ct).ConfigureAwait(false); // refuses a directory before anything changes
        var run = new RunState { Total = numbering?.Total ?? Steps };
        void Enter(int phase, string name, string? skipped = null)
        {
            run.Phase = phase;
            run.Step = (numbering?.First ?? 1) + phase - 1;
            run.StepName = name; // what the run was doing, with its paths, for the failure message
            if (numbering is not null) progress?.Report(numbering.Report(phase - 1, skipped));
            else progress?.Report(OperationProgress.Step(activity, $"Step {run.Step.ToString(CultureInfo.InvariantCulture)}/{Steps.ToString(CultureInfo.InvariantCulture)}: {name}"));
        }

        try
        {
            Enter(1, target.Running ? $"stopping container '{container}'" : $"container '{container}' is stopped; reading its data file",
                target.Running ? null : $"container '{container}' is already stopped");
            if (target.Running) await docker.StopContainerAsync(container, DockerClient.DefaultStopGrace, ct).ConfigureAwait(false);
            await swap.InspectAsync(ct).ConfigureAwait(false); // the file as Redis left it on shutdown

            Enter(2, $"copying {Path.GetFileName(source.Path)} into container '{container}' as {swap.IncomingPath}");
            await swap.UploadIncomingAsync(source, evidence, progress, activity, ct).ConfigureAwait(false);

            Enter(3, swap.Original is null
                ? $"switching {swap.LivePath} (there was none) to the new data"
                : $"switching {swap.LivePath} to the new data; the previous file stays as {swap.PreviousPath}");
            // The second name and the switch are not cancellable: a request abandoned on Ctrl+C can still be carried out
            // by the engine after the rollback (a late switch would put the new file back under the live name, a late
            // second name would leave a copy of the data behind). Each is one small archive; Ctrl+C takes effect after it.
            await swap.KeepPreviousAsync(CancellationToken.None).ConfigureAwait(false);
            run.PreviousKept = swap.Original is not null;
            ct.ThrowIfCancellationRequested();
            run.Switched = true; // before the request, which may fail after the engine applied it
            await swap.SwitchToIncomingAsync(CancellationToken.None).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();

            Enter(4, $"starting container '{container}' and waiting for Redis to load the data");
            run.Started = true;
            // Not cancellable, for the same reason: an abandoned start can still start the container after the
            // rollback stopped it, and it would run the new data. Ctrl+C takes effect while Redis loads.
            await docker.StartContainerAsync(container, CancellationToken.None).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            var cli = await WaitUntilLoadedAsync(docker, target, progress, activity, ct).ConfigureAwait(false);

            Enter(5, $"checking that container '{container}' holds the backup's data");
            var loaded = await LoadedDataCheck.RunAsync(cli, evidence, ct).ConfigureAwait(false);

            // Proven: the previous file and the temporary name are no longer needed.
            var released = await swap.TryReleaseAsync(run.PreviousKept ? [swap.PreviousName, swap.IncomingName] : [swap.IncomingName]).ConfigureAwait(false);
            if (!released)
                progress?.Report(OperationProgress.Step(activity, $"Note: {swap.PreviousPath} / {swap.IncomingPath} could not be emptied; they hold copies of data files and can be deleted."));
            return new RestoreResult
            {
                BackupPath = source.Path,
                Target = "container:" + container,
                Method = "container",
                Restored = loaded.Keys,
                Expired = loaded.Expired,
                Total = evidence.Complete ? evidence.Keys : loaded.Keys + loaded.Expired, // a file checked in part: the server counted what the rest held
                Duration = started.Elapsed,
                Checked = loaded.Description,
            };
        }
        catch (Exception ex) when (run.Phase >= 1)
        {
            throw await RollBackAsync(docker, target, swap, run, ex, ct.IsCancellationRequested, source, safetySnapshot).ConfigureAwait(false);
        }
    }

    /// <summary>Where a restore got to, for the rollback and its message.</summary>
    private sealed class RunState
    {
        /// <summary>The swap step reached, 1 to 5 (0: none yet).</summary>
        public int Phase { get; set; }

        /// <summary>Its number as announced (in the caller's plan), of <see cref="Total"/>.</summary>
        public int Step { get; set; }
        public int Total { get; set; }
        public string StepName { get; set; } = "";
        public bool PreviousKept { get; set; }
        public bool Switched { get; set; }
        public bool Started { get; set; }
    }

    /// <summary>
    /// Puts the previous data file back and brings the container to the state it was found in, ignoring the caller's
    /// cancellation (this is what the cancellation needs done). Returns the exception that reports it all.
    /// </summary>
    private static async Task<ContainerRestoreException> RollBackAsync(DockerClient docker, ContainerTarget target, DataFileSwap swap, RunState run, Exception cause, bool cancelled,
        RdbSource source, string? safetySnapshot)
    {
        var container = target.Container;
        var none = CancellationToken.None;
        var previousInPlace = !run.Switched;
        var running = false;
        long? keysAfter = null;
        Exception? rollbackError = null;
        try
        {
            if (target.Running || run.Started || run.Switched) await StopConfirmedAsync(docker, container).ConfigureAwait(false);
            if (run.Switched) await swap.PutPreviousBackAsync(none).ConfigureAwait(false);
            previousInPlace = true;
            if (run.Phase >= 2) await swap.TryReleaseAsync(swap.IncomingName).ConfigureAwait(false);
            if (target.Running)
            {
                await docker.StartContainerAsync(container, none).ConfigureAwait(false);
                var cli = await WaitUntilLoadedAsync(docker, target, null, "", none).ConfigureAwait(false);
                running = true;
                keysAfter = await cli.TotalKeysAsync(none).ConfigureAwait(false);
            }
            if (run.PreviousKept) await swap.TryReleaseAsync(swap.PreviousName).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Whatever went wrong while rolling back is reported in the one exception returned.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            rollbackError = ex;
            try
            {
                running = (await docker.InspectContainerAsync(container, none).ConfigureAwait(false)).Running;
            }
            catch (RedisBackupException)
            {
            }
        }

        var name = Path.GetFileName(source.Path);
        var step = $"step {run.Step.ToString(CultureInfo.InvariantCulture)}/{run.Total.ToString(CultureInfo.InvariantCulture)} ({run.StepName})";
        var text = new List<string>();
        text.Add(cancelled
            ? $"The restore of {name} into container '{container}' was cancelled at {step}. "
            : $"The restore of {name} into container '{container}' failed at {step}: {cause.Message.TrimEnd('.')}. ");
        if (rollbackError is null)
        {
            text.Add(run.Switched
                ? $"The new data had been put in place; the previous {swap.LivePath} was put back"
                : $"{swap.LivePath} was never replaced");
            text.Add(target.Running
                ? $", and container '{container}' was started again with its previous data (it holds {Count(keysAfter)} keys{(target.KeysBefore is { } before ? $"; before the restore it held {Count(before)}" : "")})."
                : $"; container '{container}' was left stopped, as it was found.");
        }
        else
        {
            text.Add($"Putting the previous data back did not complete either: {rollbackError.Message.TrimEnd('.')}. ");
            text.Add(previousInPlace ? $"{swap.LivePath} holds the previous data again" : $"{swap.LivePath} holds the backup's data, not proven to load");
            if (run.PreviousKept && !previousInPlace)
                text.Add($"; the previous data file is kept as {swap.PreviousPath} (the next restore into this container first copies it into the catalog)");
            text.Add($"; container '{container}' is {(running ? "running" : "stopped")}.");
        }
        if (safetySnapshot is not null)
            text.Add($" The safety snapshot of the data before the restore is {safetySnapshot}; to go back to it at any time, also into a stopped container: " +
                        $"redis-backup restore '{safetySnapshot}' --container {container} --no-safety-snapshot " +
                        $"(PowerShell: Restore-RedisBackup -LiteralPath '{safetySnapshot}' -Container {container} -SkipSafetySnapshot).");
        else if (rollbackError is not null)
            text.Add(" No safety snapshot was taken.");

        var (kind, id) = rollbackError is not null ? ((cause as RedisBackupException)?.Kind ?? ErrorKind.ServerError, ErrorIds.ContainerRestoreRollbackFailed)
            : cancelled ? (ErrorKind.WriteFailed, ErrorIds.ContainerRestoreCancelled)
            : cause is RedisBackupException rb ? (rb.Kind, rb.ErrorId)
            : (ErrorKind.ServerError, ErrorIds.ContainerRestoreFailed);
        return new ContainerRestoreException(kind, id, string.Concat(text), container, cause)
        {
            Step = run.Step,
            Steps = run.Total,
            StepName = run.StepName,
            Cancelled = cancelled,
            NewDataWasInPlace = run.Switched,
            PreviousDataInPlace = previousInPlace,
            ContainerRunning = running,
            SafetySnapshotPath = safetySnapshot,
        };
    }

    private static string Count(long? n) => n?.ToString("N0", CultureInfo.InvariantCulture) ?? "?";

    /// <summary>
    /// Stops the container and confirms it is stopped before the previous data file goes back: a Redis still running
    /// (a stop that raced a start) would keep serving the new data, and would write it over the file on its own shutdown.
    /// </summary>
    private static async Task StopConfirmedAsync(DockerClient docker, string container)
    {
        for (var attempt = 1; ; attempt++)
        {
            await docker.StopContainerAsync(container, DockerClient.DefaultStopGrace, CancellationToken.None).ConfigureAwait(false);
            var info = await docker.InspectContainerAsync(container, CancellationToken.None).ConfigureAwait(false);
            if (!info.Running && info.Status is not ("restarting" or "removing")) return;
            if (attempt == 3)
                throw new RedisBackupException(ErrorKind.ServerError, ErrorIds.ContainerStillRunning,
                    $"Container '{container}' is still {info.Status} after being stopped {attempt.ToString(CultureInfo.InvariantCulture)} times, so its previous data file was not put back.", container);
            await Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<ContainerRedisCli> WaitUntilLoadedAsync(DockerClient docker, ContainerTarget target, IProgress<OperationProgress>? progress, string activity, CancellationToken ct)
    {
        var container = target.Container;
        var clock = Stopwatch.StartNew();
        var nextReport = TimeSpan.Zero;
        string last = "no answer yet";
        while (clock.Elapsed < LoadTimeout)
        {
            if (progress is not null && clock.Elapsed >= nextReport)
            {
                progress.Report(new OperationProgress { Activity = activity, Status = $"waiting for Redis in container '{container}' to load the data ({clock.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s)" });
                nextReport = clock.Elapsed + TimeSpan.FromSeconds(5);
            }
            var info = await docker.InspectContainerAsync(container, ct).ConfigureAwait(false);
            if (!info.Running)
            {
                var logs = await docker.GetLogsAsync(container, 15, null, ct).ConfigureAwait(false);
                throw new RedisBackupException(ErrorKind.ServerError, ErrorIds.RestoreLoadFailed,
                    $"Container '{container}' stopped (exit code {info.ExitCode}) instead of loading its data file. Its last log lines:{Environment.NewLine}{logs.TrimEnd()}{Environment.NewLine}", container);
            }
            var cli = ContainerRedisCli.For(docker, info, target.Credentials, target.Port);
            try
            {
                var (pong, error) = await cli.TryRunAsync(ct, "PING").ConfigureAwait(false);
                if (error is null && pong == "PONG"
                    && (await cli.InfoAsync("persistence", ct).ConfigureAwait(false)).GetValueOrDefault("loading") == "0")
                    return cli;
                last = error ?? pong;
            }
            catch (RedisBackupException ex) when (ex.ErrorId is ErrorIds.ContainerRedisUnreachable or ErrorIds.ContainerNotRunning)
            {
                last = ex.Message;
            }
            catch (RedisBackupException ex) when (ex.ErrorId is ErrorIds.DockerRequestFailed)
            {
                // The container may have stopped between the inspection and the exec, and the engine refused the exec
                // with an error of its own (a 500 from exec start): then the next round reports the stop and its logs.
                if ((await docker.InspectContainerAsync(container, ct).ConfigureAwait(false)).Running) throw;
                last = ex.Message;
                continue;
            }
            await Task.Delay(200, ct).ConfigureAwait(false);
        }
        throw new RedisBackupException(ErrorKind.Timeout, ErrorIds.RestoreLoadTimeout,
            $"Redis in container '{container}' did not finish loading within {LoadTimeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s (last answer: {last}).", container);
    }

    private static RedisBackupException AppendOnly(string container, string file, string why)
        => new(ErrorKind.NotSupported, ErrorIds.AppendOnlyTarget,
            $"Container '{container}' {why} so on restart it loads only its AOF and a replaced {file} would silently be ignored. " +
            "Nothing was changed. Restore into the live server over its port instead (a live restore), which replays the keys without a restart.",
            container);

    private static RedisBackupException Unreadable(ContainerRedisCli cli, string parameter)
        => new(ErrorKind.ProtocolError, ErrorIds.ContainerRedisConfigUnreadable,
            $"Redis in container '{cli.Container}' did not report its '{parameter}' setting (CONFIG GET {parameter}), and its start-up settings cannot be read either. Nothing was changed.", cli.Container);

    /// <summary>CONFIG GET, or null when the server refuses it and <paramref name="optional"/> (a renamed or forbidden CONFIG).</summary>
    private static async Task<string?> TryConfigGetAsync(ContainerRedisCli cli, string parameter, bool optional, CancellationToken ct)
    {
        try
        {
            return await cli.ConfigGetAsync(parameter, ct).ConfigureAwait(false);
        }
        catch (RedisBackupException ex) when (optional && ex.ErrorId is ErrorIds.ContainerRedisError or ErrorIds.ContainerRedisConfigUnreadable)
        {
            return null;
        }
    }

    /// <summary>True when two paths name the same directory: equal, or the first is a symbolic link to the second.</summary>
    private static async Task<bool> SameDirectoryAsync(DockerClient docker, string container, string startupDir, string runtimeDir, CancellationToken ct)
    {
        static string Trim(string p) => p.Length > 1 ? p.TrimEnd('/') : p;
        if (Trim(startupDir) == Trim(runtimeDir)) return true;
        var stat = await docker.StatPathAsync(container, Trim(startupDir), ct).ConfigureAwait(false);
        if (stat?.LinkTarget is not { } link) return false;
        var resolved = link.StartsWith('/') ? link : ContainerSnapshotSource.JoinPath(Trim(startupDir)[..(Trim(startupDir).LastIndexOf('/') + 1)], link);
        return Trim(resolved) == Trim(runtimeDir);
    }
}
