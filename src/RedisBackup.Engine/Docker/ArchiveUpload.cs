using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Docker;

/// <summary>What one tar entry creates in the target directory.</summary>
internal enum ArchiveEntryKind
{
    /// <summary>A regular file with the given content (or empty).</summary>
    File,
    /// <summary>A second name for an existing file of the same directory (the engine calls link(2)).</summary>
    HardLink,
}

/// <summary>
/// One entry of a tar sent to <c>PUT /containers/{id}/archive</c>. The engine replaces an existing entry of that name
/// (it removes the old name, then creates the new one), so a hard-link entry switches a name to another file's data in
/// one short step inside the engine, and the file it replaced lives on under any other name it had.
/// </summary>
internal sealed record ArchiveEntry
{
    /// <summary>A plain name inside the target directory (no '/').</summary>
    public required string Name { get; init; }

    public ArchiveEntryKind Kind { get; init; } = ArchiveEntryKind.File;

    /// <summary>Hard link: the existing name in the same directory whose data the new name gets.</summary>
    public string? LinkTarget { get; init; }

    /// <summary>File: the content, read once from its current position; null for an empty file.</summary>
    public Stream? Content { get; init; }

    /// <summary>File: the exact number of bytes <see cref="Content"/> yields; a stream that yields more or fewer fails the upload.</summary>
    public long Size { get; init; }

    public UnixFileMode Mode { get; init; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public int Uid { get; init; }
    public int Gid { get; init; }

    public static ArchiveEntry File(string name, Stream content, long size, UnixFileMode mode, int uid, int gid)
        => new() { Name = name, Content = content, Size = size, Mode = mode, Uid = uid, Gid = gid };

    public static ArchiveEntry Empty(string name, UnixFileMode mode, int uid, int gid)
        => new() { Name = name, Mode = mode, Uid = uid, Gid = gid };

    /// <summary>
    /// A hard link <paramref name="name"/> → <paramref name="target"/>. Owner and mode are applied to the shared
    /// file by the engine, so pass the file's own.
    /// </summary>
    public static ArchiveEntry HardLink(string name, string target, UnixFileMode mode, int uid, int gid)
        => new() { Name = name, Kind = ArchiveEntryKind.HardLink, LinkTarget = target, Mode = mode, Uid = uid, Gid = gid };
}

/// <summary>
/// The request body of an archive upload: ustar headers written here (so a file of known size streams straight from
/// its source, compressed or not, without a temporary copy), the data, padding and the end-of-archive blocks. A source
/// that yields a different number of bytes than announced throws before the entry is complete, so the engine never
/// receives a well-formed but short file.
/// </summary>
internal sealed class ArchiveContent(IReadOnlyList<ArchiveEntry> entries, IProgress<long>? progress) : HttpContent
{
    private const int Block = 512;
    private const int CopyBuffer = 1 << 20;
    private const long ProgressEvery = 8L << 20;

    /// <summary>SHA-256 (lower-case hex) of the data of the last file entry with content, once it is sent.</summary>
    public string? Sha256 { get; private set; }

    /// <summary>Why writing the body failed (the HTTP layer wraps it); null when it did not.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Checks names before anything is sent.</summary>
    public static void Validate(IReadOnlyList<ArchiveEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var e in entries)
        {
            CheckName(e.Name);
            if (e.Kind == ArchiveEntryKind.HardLink) CheckName(e.LinkTarget ?? "");
            if (e.Size < 0 || (e.Content is null && e.Size != 0))
                throw new ArgumentException($"Entry '{e.Name}' announces {e.Size} bytes without content.", nameof(entries));
        }
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        try
        {
            var header = new byte[Block];
            foreach (var entry in entries)
            {
                Array.Clear(header);
                WriteHeader(header, entry);
                await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
                if (entry.Kind == ArchiveEntryKind.File && entry.Content is not null)
                {
                    await CopyExactAsync(entry, stream, cancellationToken).ConfigureAwait(false);
                    var pad = (int)((Block - (entry.Size % Block)) % Block);
                    if (pad > 0) await stream.WriteAsync(new byte[pad], cancellationToken).ConfigureAwait(false);
                }
            }
            await stream.WriteAsync(new byte[2 * Block], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Failure = ex;
            throw;
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    private async Task CopyExactAsync(ArchiveEntry entry, Stream output, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBuffer);
        try
        {
            long done = 0;
            long lastReport = 0;
            int n;
            while ((n = await entry.Content!.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, entry.Size - done + 1)), ct).ConfigureAwait(false)) > 0)
            {
                if (done + n > entry.Size)
                    throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.ArchiveSourceChanged,
                        $"The data for '{entry.Name}' is longer than the {entry.Size} bytes announced (the file changed while it was read); the upload was abandoned.", entry.Name);
                await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                sha.AppendData(buffer, 0, n);
                done += n;
                if (progress is not null && (done - lastReport >= ProgressEvery || done == entry.Size))
                {
                    lastReport = done;
                    progress.Report(done);
                }
            }
            if (done != entry.Size)
                throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.ArchiveSourceChanged,
                    $"The data for '{entry.Name}' ended after {done} of the {entry.Size} bytes announced (the file changed while it was read); the upload was abandoned.", entry.Name);
            Sha256 = Convert.ToHexStringLower(sha.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A ustar header; numbers too large for octal use the base-256 form the engine's reader accepts.</summary>
    internal static void WriteHeader(Span<byte> h, ArchiveEntry e)
    {
        Text(h[..100], e.Name);
        Number(h.Slice(100, 8), (long)e.Mode & 0xFFF);
        Number(h.Slice(108, 8), e.Uid);
        Number(h.Slice(116, 8), e.Gid);
        Number(h.Slice(124, 12), e.Kind == ArchiveEntryKind.File ? e.Size : 0);
        Number(h.Slice(136, 12), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        h[156] = e.Kind == ArchiveEntryKind.File ? (byte)'0' : (byte)'1';
        if (e.Kind == ArchiveEntryKind.HardLink) Text(h.Slice(157, 100), e.LinkTarget!);
        "ustar\000"u8.CopyTo(h[257..]);
        // Checksum: the sum of all header bytes with the checksum field taken as spaces.
        h.Slice(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in h) sum += b;
        var digits = Convert.ToString(sum, 8).PadLeft(6, '0');
        Encoding.ASCII.GetBytes(digits, h.Slice(148, 6));
        h[154] = 0;
        h[155] = (byte)' ';
    }

    private static void Text(Span<byte> field, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        bytes.CopyTo(field);
    }

    private static void Number(Span<byte> field, long value)
    {
        var octal = Convert.ToString(value, 8);
        if (octal.Length < field.Length)
        {
            Encoding.ASCII.GetBytes(octal.PadLeft(field.Length - 1, '0'), field);
            field[^1] = 0;
            return;
        }
        field.Clear();
        field[0] = 0x80;
        for (var i = field.Length - 1; i > 0 && value > 0; i--, value >>= 8) field[i] = (byte)(value & 0xFF);
    }

    private static void CheckName(string name)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal) || name is "." or ".."
            || Encoding.UTF8.GetByteCount(name) > 100)
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.ContainerFileNameInvalid, $"'{name}' is not a plain file name of at most 100 bytes.", name);
    }
}
