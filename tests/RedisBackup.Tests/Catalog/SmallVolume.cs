using System.Diagnostics;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Catalog;

/// <summary>
/// A tiny volume for full-disk tests: a 1 MiB tmpfs mounted on a temporary directory. Mounting needs root
/// (CAP_SYS_ADMIN); <see cref="TryMount"/> returns null where it cannot, and the caller falls back to a write limit.
/// </summary>
internal sealed class SmallVolume : IDisposable
{
    private readonly TempDirectory _mountPoint;

    private SmallVolume(TempDirectory mountPoint) => _mountPoint = mountPoint;

    public string Path => _mountPoint.Path;

    /// <summary>Mounts a tmpfs of <paramref name="size"/>; needs root, and fails the test clearly without it.</summary>
    public static SmallVolume Mount(string size = "1m")
    {
        Root.Require("a small tmpfs is mounted for a full or read-only disk");
        return TryMount(size) ?? throw new InvalidOperationException($"mount -t tmpfs -o size={size} failed although running as root.");
    }

    /// <summary>Makes the mounted volume read-only (mount -o remount,ro).</summary>
    public void RemountReadOnly()
    {
        if (Run("mount", "-o", "remount,ro", Path) != 0) throw new InvalidOperationException($"remount,ro of {Path} failed.");
    }

    public static SmallVolume? TryMount(string size = "1m")
    {
        if (!OperatingSystem.IsLinux()) return null;
        var dir = new TempDirectory();
        if (Run("mount", "-t", "tmpfs", "-o", $"size={size},mode=0700", "tmpfs", dir.Path) == 0) return new SmallVolume(dir);
        dir.Dispose();
        return null;
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        _mountPoint.Dispose();
    }

    private static int Run(string file, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}

/// <summary>The fallback "full disk": a write-through stream that throws ENOSPC's IOException after a byte limit.</summary>
internal sealed class WriteLimitStream(Stream inner, long limit) : Stream
{
    private long _written;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (_written + count > limit) throw new IOException("No space left on device", 28);
        inner.Write(buffer, offset, count);
        _written += count;
    }
}
