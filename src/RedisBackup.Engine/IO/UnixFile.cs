using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace RedisBackup.Engine.IO;

/// <summary>What statx(2) says about one file: its type, owner, mode, identity (device and inode), links, size and mtime.</summary>
internal readonly record struct UnixFileStatus(UnixFileKind Kind, uint OwnerId, int Mode, ulong Device, ulong Inode, uint Links, long Size, DateTimeOffset Modified)
{
    /// <summary>Writable by users other than the owner and the group ("others", o+w).</summary>
    public bool WorldWritable => (Mode & 0x2) != 0;

    /// <summary>The sticky bit: in a directory, only an entry's owner may rename or delete it.</summary>
    public bool Sticky => (Mode & 0x200) != 0;
}

internal enum UnixFileKind
{
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
    Unknown,
}

/// <summary>
/// The few Linux file calls .NET does not expose: open(2) with O_NOFOLLOW and O_NONBLOCK, flock(2), statx(2) (lstat and
/// fstat with owner, device and inode) and geteuid(2). <see cref="IsSupported"/> is true on Linux only; elsewhere
/// callers fall back to what .NET offers (see docs/reliability.md, "The catalog").
/// </summary>
internal static class UnixFile
{
    private const int ENOENT = 2;
    private const int EWOULDBLOCK = 11;
    private const int EINTR = 4;

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxBufferBytes = 256;

    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;

    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>The effective user id of this process.</summary>
    public static uint EffectiveUserId => geteuid();

    /// <summary>How <see cref="Open"/> opens a file.</summary>
    [Flags]
    public enum OpenFlags
    {
        ReadOnly = 0,
        ReadWrite = 1,
        Create = 2,
        Exclusive = 4,
        NoFollow = 8,
        NonBlocking = 16,
    }

    /// <summary>
    /// open(2) with O_CLOEXEC, returning the handle or the errno. O_NONBLOCK keeps a FIFO or a device from blocking the
    /// open; O_NOFOLLOW refuses a symbolic link at the last component (ELOOP).
    /// </summary>
    public static SafeFileHandle? Open(string path, OpenFlags flags, out int errno, int mode = 0x180 /* 0600 */)
    {
        var native = NativeFlags(flags);
        var bytes = PathBytes(path);
        int fd;
        do
        {
            fd = open(bytes, native, mode);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        while (fd < 0 && errno == EINTR);
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>lstat: the status of the path itself (a link is described, not followed); null when it does not exist.</summary>
    public static UnixFileStatus? LinkStatus(string path) => Status(path, follow: false);

    /// <summary>stat: the status of what the path names, links followed; null when it (or a link's target) does not exist.</summary>
    public static UnixFileStatus? Status(string path, bool follow = true)
    {
        var buffer = new byte[StatxBufferBytes];
        var result = statx(AtFdCwd, PathBytes(path), follow ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer);
        if (result == 0) return Parse(buffer);
        var errno = Marshal.GetLastPInvokeError();
        if (errno is ENOENT or 20 /* ENOTDIR */) return null;
        throw new IOException($"Cannot read the status of '{path}': {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    /// <summary>fstat: the status of an open file.</summary>
    public static UnixFileStatus Status(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var buffer = new byte[StatxBufferBytes];
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            if (statx(fd, [0], AtEmptyPath, StatxBasicStats, buffer) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException("Cannot read the status of an open file: " + Marshal.GetPInvokeErrorMessage(errno), errno);
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        return Parse(buffer);
    }

    /// <summary>flock(LOCK_EX | LOCK_NB): true when taken, false when another open file description holds a lock on it.</summary>
    public static bool TryLockExclusive(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            while (true)
            {
                if (flock(fd, LockExclusive | LockNonBlocking) == 0) return true;
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR) continue;
                if (errno == EWOULDBLOCK) return false;
                throw new IOException("flock failed: " + Marshal.GetPInvokeErrorMessage(errno), errno);
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>"FIFO (named pipe)", "symbolic link", … for messages.</summary>
    public static string DescribeKind(UnixFileKind kind) => kind switch
    {
        UnixFileKind.Directory => "directory",
        UnixFileKind.SymbolicLink => "symbolic link",
        UnixFileKind.Fifo => "FIFO (named pipe)",
        UnixFileKind.Socket => "socket",
        UnixFileKind.CharacterDevice => "character device",
        UnixFileKind.BlockDevice => "block device",
        UnixFileKind.Regular => "regular file",
        _ => "special file",
    };

    /// <summary>The message the C library gives for an errno value.</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    private static UnixFileStatus Parse(byte[] b)
    {
        var span = b.AsSpan();
        var links = MemoryMarshal.Read<uint>(span[16..]);
        var uid = MemoryMarshal.Read<uint>(span[20..]);
        var mode = MemoryMarshal.Read<ushort>(span[28..]);
        var inode = MemoryMarshal.Read<ulong>(span[32..]);
        var size = MemoryMarshal.Read<ulong>(span[40..]);
        var mtimeSeconds = MemoryMarshal.Read<long>(span[112..]);
        var mtimeNanos = MemoryMarshal.Read<uint>(span[120..]);
        var devMajor = MemoryMarshal.Read<uint>(span[136..]);
        var devMinor = MemoryMarshal.Read<uint>(span[140..]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => UnixFileKind.Regular,
            0x4000 => UnixFileKind.Directory,
            0xA000 => UnixFileKind.SymbolicLink,
            0x1000 => UnixFileKind.Fifo,
            0xC000 => UnixFileKind.Socket,
            0x2000 => UnixFileKind.CharacterDevice,
            0x6000 => UnixFileKind.BlockDevice,
            _ => UnixFileKind.Unknown,
        };
        var modified = DateTimeOffset.FromUnixTimeSeconds(mtimeSeconds).AddTicks(mtimeNanos / 100);
        return new UnixFileStatus(kind, uid, mode & 0xFFF, ((ulong)devMajor << 32) | devMinor, inode, links, (long)size, modified);
    }

    /// <summary>The open(2) flag values of this architecture (O_DIRECTORY and O_NOFOLLOW differ between x86 and Arm/POWER).</summary>
    private static int NativeFlags(OpenFlags flags)
    {
        var armLike = RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le;
        var native = 0x80000; // O_CLOEXEC
        native |= flags.HasFlag(OpenFlags.ReadWrite) ? 2 : 0;
        if (flags.HasFlag(OpenFlags.Create)) native |= 0x40;
        if (flags.HasFlag(OpenFlags.Exclusive)) native |= 0x80;
        if (flags.HasFlag(OpenFlags.NonBlocking)) native |= 0x800;
        if (flags.HasFlag(OpenFlags.NoFollow)) native |= armLike ? 0x8000 : 0x20000;
        native |= 0x100; // O_NOCTTY: a terminal device named like a catalog file never becomes ours
        return native;
    }

    private static byte[] PathBytes(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code in the engine; these signatures marshal blittable values and pinned arrays only.
    [DllImport("libc", SetLastError = true)]
    private static extern int open(byte[] path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int flock(int fd, int operation);

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, byte[] path, int flags, uint mask, [In, Out] byte[] buffer);

    [DllImport("libc")]
    private static extern uint geteuid();
#pragma warning restore SYSLIB1054
}
