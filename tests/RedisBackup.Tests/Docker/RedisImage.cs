using System.Diagnostics;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using RedisBackup.Engine.Docker;

namespace RedisBackup.Tests.Docker;

/// <summary>
/// A local Redis image built without any registry: the host's redis-server and redis-cli with the shared libraries
/// ldd names, a minimal /etc/passwd, /data and /tmp, imported through the engine. Tagged by a hash of its content,
/// so it is built once per machine.
/// </summary>
internal static class RedisImage
{
    public const string Repository = "redisbackup-test-redis";
    private const string LayoutVersion = "rootfs-v1";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _image;

    /// <summary>Builds (or finds) the image and returns its repo:tag.</summary>
    public static async Task<string> EnsureAsync(DockerClient docker)
    {
        if (_image is not null) return _image;
        await Gate.WaitAsync();
        try
        {
            if (_image is not null) return _image;
            var files = CollectFiles();
            var tag = ContentTag(files);
            var image = $"{Repository}:{tag}";
            if (!await docker.ImageExistsAsync(image))
            {
                var tar = Path.Combine(Path.GetTempPath(), $"redisbackup-rootfs-{Guid.NewGuid():N}.tar");
                try
                {
                    await WriteRootfsAsync(tar, files);
                    await using var stream = File.OpenRead(tar);
                    await docker.ImportImageAsync(stream, Repository, tag,
                    [
                        "ENV PATH=/usr/local/bin:/usr/bin:/bin",
                        "WORKDIR /data",
                        "CMD [\"redis-server\", \"--dir\", \"/data\", \"--protected-mode\", \"no\", \"--enable-debug-command\", \"yes\"]",
                    ]);
                }
                finally
                {
                    File.Delete(tar);
                }
            }
            _image = image;
            return image;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Path in the image → path on the host.</summary>
    private static SortedDictionary<string, string> CollectFiles()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var binary in new[] { "redis-server", "redis-cli" })
        {
            var host = Which(binary);
            files[$"usr/bin/{binary}"] = host;
            foreach (var lib in SharedLibraries(host)) files[lib.TrimStart('/')] = lib;
        }
        return files;
    }

    private static string Which(string binary)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var candidate = Path.Combine(dir, binary);
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException($"{binary} is not on PATH; the Docker tests build their Redis image from the host's binaries.");
    }

    private static List<string> SharedLibraries(string binary)
    {
        var psi = new ProcessStartInfo("ldd", [binary]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var ldd = Process.Start(psi)!;
        var output = ldd.StandardOutput.ReadToEnd();
        ldd.WaitForExit();
        var libs = new List<string>();
        foreach (var line in output.Split('\n'))
        {
            // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
            var arrow = line.IndexOf("=> ", StringComparison.Ordinal);
            var rest = (arrow >= 0 ? line[(arrow + 3)..] : line).Trim();
            if (!rest.StartsWith('/')) continue;
            var space = rest.IndexOf(' ');
            libs.Add(space >= 0 ? rest[..space] : rest);
        }
        return libs;
    }

    private static string ContentTag(SortedDictionary<string, string> files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(LayoutVersion));
        foreach (var (inImage, host) in files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(inImage + "\0"));
            using var f = File.OpenRead(host);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = f.Read(buffer)) > 0) sha.AppendData(buffer, 0, n);
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant();
    }

    private static async Task WriteRootfsAsync(string tarPath, SortedDictionary<string, string> files)
    {
        await using var output = File.Create(tarPath);
        await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: false);
        var dirs = new SortedSet<string>(StringComparer.Ordinal) { "etc", "data", "tmp", "usr", "usr/bin" };
        foreach (var path in files.Keys)
        {
            for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1)) dirs.Add(path[..slash]);
        }
        foreach (var dir in dirs)
        {
            var mode = dir == "tmp" ? (UnixFileMode)0x3FF | UnixFileMode.StickyBit : (UnixFileMode)0x1ED; // 1777 / 0755
            if (dir == "data") mode = (UnixFileMode)0x1FF; // 0777: any user the tests pick may write there
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, dir + "/") { Mode = mode });
        }
        await AddTextAsync(tar, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nredis:x:999:999:redis:/data:/bin/sh\n");
        await AddTextAsync(tar, "etc/group", "root:x:0:\nredis:x:999:\n");
        foreach (var (inImage, host) in files)
        {
            await using var data = File.OpenRead(host);
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, inImage) { Mode = (UnixFileMode)0x1ED, DataStream = data });
        }
    }

    private static async Task AddTextAsync(TarWriter tar, string name, string text)
    {
        using var data = new MemoryStream(Encoding.UTF8.GetBytes(text));
        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0x1A4, DataStream = data });
    }
}
