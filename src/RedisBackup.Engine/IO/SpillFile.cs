using Microsoft.Win32.SafeHandles;

namespace RedisBackup.Engine.IO;

/// <summary>
/// A scratch file for data an operation must not hold in memory (the sorted runs of the export's key index).
/// It is owner-only and lives in the directory its owner names (the catalog: the same volume as the backup being
/// written), and it is never left behind: on Unix its name is removed right after it is created, so its data lives
/// only as long as the open handle (closing it, a crash or SIGKILL frees it); on Windows the system deletes it when the
/// handle closes. It is written by appending and read back by offset.
/// </summary>
internal sealed class SpillFile : IDisposable
{
    private readonly FileStream _file;
    private readonly SafeFileHandle _handle;

    private SpillFile(string path, FileStream file)
    {
        Path = path;
        _file = file;
        _handle = file.SafeFileHandle;
    }

    /// <summary>The name it was created under (no longer in the directory on Unix).</summary>
    public string Path { get; }

    /// <summary>Bytes appended so far.</summary>
    public long Length { get; private set; }

    /// <summary>Creates the file (it must not exist) and, on Unix, removes its name at once.</summary>
    public static SpillFile Create(string path)
    {
        var file = OwnerOnlyFiles.CreateNew(path, FileAccess.ReadWrite, bufferSize: 0,
            OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None);
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                File.Delete(path);
            }
            catch
            {
                file.Dispose();
                try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                throw;
            }
        }
        return new SpillFile(path, file);
    }

    /// <summary>Appends <paramref name="data"/> and returns the offset it starts at.</summary>
    public long Append(ReadOnlySpan<byte> data)
    {
        var offset = Length;
        RandomAccess.Write(_handle, data, offset);
        Length += data.Length;
        return offset;
    }

    /// <summary>Reads up to <paramref name="buffer"/>'s length from <paramref name="offset"/>; fewer bytes only at the end.</summary>
    public int Read(Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(_handle, buffer[total..], offset + total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>A read-only stream over <paramref name="length"/> bytes from <paramref name="offset"/>.</summary>
    public Stream OpenRead(long offset, long length) => new RegionStream(this, offset, length);

    public void Dispose() => _file.Dispose();

    private sealed class RegionStream(SpillFile file, long start, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            if (n <= 0) return 0;
            n = file.Read(buffer[..n], start + _position);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Read(buffer.Span));
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>
/// A <see cref="SpillFile"/> created on first use, so that work which fits in memory never touches the disk;
/// several users (the key index and its repeat list) share the one file.
/// </summary>
internal sealed class LazySpillFile(string path) : IDisposable
{
    private SpillFile? _file;
    private bool _disposed;

    public bool Created => _file is not null;

    public SpillFile File
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _file ??= SpillFile.Create(path);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _file?.Dispose();
        _file = null;
    }
}
