using System.Formats.Tar;
using System.Globalization;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Docker;

/// <summary>Owner and mode for a file the swap writes.</summary>
internal readonly record struct FileOwner(UnixFileMode Mode, int Uid, int Gid);

/// <summary>
/// The file operations of a container restore, all through the archive API (the container is stopped and its image
/// may have no shell): the new data goes in complete under <see cref="IncomingName"/>, the current data file gets a
/// second name <see cref="PreviousName"/>, and only then does the live name switch, by a hard-link entry, to the new
/// data. Putting the previous data back is the same switch the other way. Names no longer needed are replaced by
/// empty files (the archive API cannot delete), so no second copy of a dataset stays behind.
/// </summary>
internal sealed class DataFileSwap(DockerClient docker, ContainerTarget target)
{
    public const string IncomingSuffix = ".redis-backup-incoming";
    public const string PreviousSuffix = ".redis-backup-previous";

    private static readonly UnixFileMode DefaultMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public string Directory => target.DataDirectory;
    public string LiveName => target.DbFileName;
    public string IncomingName => target.DbFileName + IncomingSuffix;
    public string PreviousName => target.DbFileName + PreviousSuffix;
    public string LivePath => ContainerSnapshotSource.JoinPath(Directory, LiveName);
    public string IncomingPath => ContainerSnapshotSource.JoinPath(Directory, IncomingName);
    public string PreviousPath => ContainerSnapshotSource.JoinPath(Directory, PreviousName);

    /// <summary>The live data file before the switch: null when there is none.</summary>
    public ContainerPathStat? Original { get; private set; }

    /// <summary>Owner and mode of the original (for the links), and those the new file gets (the original's, else the directory owner's with 0644).</summary>
    public FileOwner OriginalOwner { get; private set; }
    public FileOwner NewOwner { get; private set; }

    /// <summary>Looks at the live data file and the data directory: their owners decide the new file's.</summary>
    public async Task InspectAsync(CancellationToken ct)
    {
        Original = await docker.StatPathAsync(target.Container, LivePath, ct).ConfigureAwait(false);
        if (Original is { IsDirectory: true })
            throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.ContainerRdbNotAFile, $"{LivePath} in container '{target.Container}' is a directory, not a data file. Nothing was changed.", target.Container);
        var probe = Original is null ? Directory : LivePath;
        var header = await FirstEntryAsync(probe, ct).ConfigureAwait(false);
        var uid = header?.Uid ?? 0;
        var gid = header?.Gid ?? 0;
        OriginalOwner = new FileOwner(header?.Mode ?? DefaultMode, uid, gid);
        NewOwner = Original is { IsSymbolicLink: false } && header is not null
            ? new FileOwner(header.Mode | UnixFileMode.UserRead, uid, gid)
            : new FileOwner(DefaultMode, uid, gid);
    }

    /// <summary>Sends the plain RDB as <see cref="IncomingName"/> and checks it arrived whole: the bytes sent hash to what was read before, and the file has their size.</summary>
    public async Task UploadIncomingAsync(RdbSource source, RestoreEvidence evidence, IProgress<OperationProgress>? progress, string activity, CancellationToken ct)
    {
        var plain = source.OpenPlain();
        await using (plain.ConfigureAwait(false))
        {
            var bytes = new Progress(progress, activity, evidence.Bytes);
            var sent = await docker.PutArchiveAsync(target.Container, Directory,
                [ArchiveEntry.File(IncomingName, plain, evidence.Bytes, NewOwner.Mode, NewOwner.Uid, NewOwner.Gid)], bytes, ct).ConfigureAwait(false);
            if (!string.Equals(sent, evidence.Sha256, StringComparison.Ordinal))
                throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.ArchiveSourceChanged,
                    $"The bytes sent for {IncomingPath} differ from those checked before the restore began (the backup file changed while it was read).", target.Container);
        }
        var stat = await docker.StatPathAsync(target.Container, IncomingPath, ct).ConfigureAwait(false);
        if (stat is null || stat.Size != evidence.Bytes)
            throw new RedisBackupException(ErrorKind.WriteFailed, ErrorIds.ContainerRestoreCopyFailed,
                $"{IncomingPath} in container '{target.Container}' holds {stat?.Size.ToString("N0", CultureInfo.InvariantCulture) ?? "nothing"} bytes after the copy, not the {evidence.Bytes.ToString("N0", CultureInfo.InvariantCulture)} sent.", target.Container);
    }

    /// <summary>Gives the live data file the second name <see cref="PreviousName"/> and checks it has the original's size. No-op without an original.</summary>
    public async Task KeepPreviousAsync(CancellationToken ct)
    {
        if (Original is null) return;
        await docker.PutArchiveAsync(target.Container, Directory, [ArchiveEntry.HardLink(PreviousName, LiveName, OriginalOwner.Mode, OriginalOwner.Uid, OriginalOwner.Gid)], null, ct).ConfigureAwait(false);
        var kept = await docker.StatPathAsync(target.Container, PreviousPath, ct).ConfigureAwait(false);
        if (kept is null || kept.Size != Original.Size || kept.IsSymbolicLink != Original.IsSymbolicLink)
            throw new RedisBackupException(ErrorKind.WriteFailed, ErrorIds.ContainerRestoreKeepFailed,
                $"Keeping {LivePath} of container '{target.Container}' as {PreviousPath} did not work (it shows {kept?.Size.ToString(CultureInfo.InvariantCulture) ?? "no"} bytes).", target.Container);
    }

    /// <summary>Switches the live name to the new data: one hard-link entry, which the engine applies as unlink + link.</summary>
    public async Task SwitchToIncomingAsync(CancellationToken ct)
    {
        await docker.PutArchiveAsync(target.Container, Directory, [ArchiveEntry.HardLink(LiveName, IncomingName, NewOwner.Mode, NewOwner.Uid, NewOwner.Gid)], null, ct).ConfigureAwait(false);
    }

    /// <summary>Puts the previous data back under the live name (or, when there was no data file, an empty dataset) and checks its size.</summary>
    public async Task PutPreviousBackAsync(CancellationToken ct)
    {
        if (Original is null)
        {
            // There was no data file: Redis started empty. An empty RDB (version 6, which every server since 2.6 loads) does the same.
            var empty = EmptyRdb();
            using var content = new MemoryStream(empty, writable: false);
            await docker.PutArchiveAsync(target.Container, Directory, [ArchiveEntry.File(LiveName, content, empty.Length, NewOwner.Mode, NewOwner.Uid, NewOwner.Gid)], null, ct).ConfigureAwait(false);
            return;
        }
        await docker.PutArchiveAsync(target.Container, Directory, [ArchiveEntry.HardLink(LiveName, PreviousName, OriginalOwner.Mode, OriginalOwner.Uid, OriginalOwner.Gid)], null, ct).ConfigureAwait(false);
        var live = await docker.StatPathAsync(target.Container, LivePath, ct).ConfigureAwait(false);
        if (live is null || live.Size != Original.Size)
            throw new RedisBackupException(ErrorKind.WriteFailed, ErrorIds.ContainerRestorePutBackFailed,
                $"{LivePath} in container '{target.Container}' shows {live?.Size.ToString(CultureInfo.InvariantCulture) ?? "no"} bytes after putting the previous data back, not {Original.Size.ToString(CultureInfo.InvariantCulture)}.", target.Container);
    }

    /// <summary>Replaces a helper name by an empty file, freeing its data (its other names keep theirs).</summary>
    public Task ReleaseAsync(string name, CancellationToken ct)
        => docker.PutArchiveAsync(target.Container, Directory, [ArchiveEntry.Empty(name, NewOwner.Mode, NewOwner.Uid, NewOwner.Gid)], null, ct);

    /// <summary>Releases the helper names without failing: used when the outcome is already decided.</summary>
    public async Task<bool> TryReleaseAsync(params string[] names)
    {
        var ok = true;
        foreach (var name in names)
        {
            try
            {
                await ReleaseAsync(name, CancellationToken.None).ConfigureAwait(false);
            }
            catch (RedisBackupException)
            {
                ok = false;
            }
        }
        return ok;
    }

    /// <summary>"REDIS0006", EOF, CRC64: a valid RDB with no keys.</summary>
    internal static byte[] EmptyRdb()
    {
        byte[] body = [.. "REDIS0006"u8, 0xFF];
        var file = new byte[body.Length + 8];
        body.CopyTo(file, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(body.Length), Crc64.Update(0, body));
        return file;
    }

    /// <summary>The tar header of a path (read, then the transfer is abandoned).</summary>
    private async Task<TarEntry?> FirstEntryAsync(string path, CancellationToken ct)
    {
        var archive = await docker.GetArchiveAsync(target.Container, path, ct).ConfigureAwait(false);
        await using (archive.ConfigureAwait(false))
        {
            var reader = new TarReader(archive.Tar, leaveOpen: true);
            await using (reader.ConfigureAwait(false))
                return await reader.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Bytes sent, as counter reports.</summary>
    private sealed class Progress(IProgress<OperationProgress>? sink, string activity, long total) : IProgress<long>
    {
        public void Report(long value) => sink?.Report(new OperationProgress
        {
            Activity = activity,
            Status = $"copied {value.ToString("N0", CultureInfo.InvariantCulture)} of {total.ToString("N0", CultureInfo.InvariantCulture)} bytes",
            Done = value,
            Total = total,
            Bytes = value,
        });
    }
}
