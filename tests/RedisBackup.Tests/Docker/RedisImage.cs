using System.Diagnostics;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Docker.DotNet;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Images;
using Microsoft.Extensions.Logging.Abstractions;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Docker;

/// <summary>
/// Local server images built without any registry, one per build of the version matrix: that build's server and cli
/// (the host's redis-server 7.0, or a build under ../shared/servers) with the shared libraries ldd names, a minimal
/// /etc/passwd, /data and /tmp. Testcontainers builds it from a Dockerfile <c>FROM scratch</c> that ADDs one rootfs tar
/// we write: its own context tar keeps neither directory modes, empty directories nor symbolic links, and a Dockerfile
/// from scratch has no shell to fix them. Tagged by a hash of the content, so each image is built once per machine.
/// </summary>
/// <remarks>
/// Valkey images have the <c>redis-server</c> and <c>redis-cli</c> names as links to <c>valkey-server</c> and
/// <c>valkey-cli</c>, as the official valkey images do (their <c>make install</c> keeps the default
/// USE_REDIS_SYMLINKS=yes). <c>redisNames: false</c> leaves the links out, as a build with USE_REDIS_SYMLINKS=no does.
/// </remarks>
internal static class RedisImage
{
    public const string RepositoryPrefix = "redisbackup-test-";
    private const string LayoutVersion = "rootfs-v2";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<string, string> Built = new(StringComparer.Ordinal);

    /// <summary>Builds (or finds) the image of <paramref name="version"/> and returns its repo:tag.</summary>
    public static async Task<string> EnsureAsync(ServerVersion version, bool redisNames = true, CancellationToken cancellationToken = default)
    {
        var key = version.Name + (redisNames ? "" : "-own-names");
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (Built.TryGetValue(key, out var known)) return known;
            ServerVersions.Require(version);
            var layout = Layout(version, redisNames);
            var image = $"{RepositoryPrefix}{key}:{ContentTag(layout)}";
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(BuildTimeout);
            var endpoint = await TestcontainersSetup.EndpointAsync(deadline.Token);
            if (!await ExistsAsync(endpoint, image, deadline.Token))
            {
                // Test processes run side by side (the engine tests and the PowerShell tests): one builds, the others wait.
                using var buildLock = await AcquireLockAsync(key, deadline.Token);
                if (!await ExistsAsync(endpoint, image, deadline.Token)) await BuildAsync(endpoint, image, layout, deadline.Token);
            }
            Built[key] = image;
            return image;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>What goes into the image: files (path in the image → path on the host), links, and the default command.</summary>
    private sealed record ImageLayout(SortedDictionary<string, string> Files, SortedDictionary<string, string> Links, string Server);

    private static ImageLayout Layout(ServerVersion version, bool redisNames)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var links = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, host) in new[] { (version.ServerBinary, version.ServerPath), (version.CliBinary, version.CliPath) })
        {
            var path = host.Contains('/', StringComparison.Ordinal) ? host : Which(host);
            files[$"usr/bin/{name}"] = path;
            foreach (var lib in SharedLibraries(path)) files[lib.TrimStart('/')] = lib;
        }
        if (version.IsValkey && redisNames)
        {
            links["usr/bin/redis-server"] = version.ServerBinary;
            links["usr/bin/redis-cli"] = version.CliBinary;
        }
        return new ImageLayout(files, links, version.ServerBinary);
    }

    private static string Dockerfile(string server) =>
        "FROM scratch\n" +
        "ADD rootfs.tar /\n" +
        "ENV PATH=/usr/local/bin:/usr/bin:/bin\n" +
        "WORKDIR /data\n" +
        $"CMD [\"{server}\", \"--dir\", \"/data\", \"--protected-mode\", \"no\", \"--enable-debug-command\", \"yes\"]\n";

    private static async Task BuildAsync(DotNet.Testcontainers.Configurations.IDockerEndpointAuthenticationConfiguration endpoint, string image, ImageLayout layout, CancellationToken cancellationToken)
    {
        var context = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"redisbackup-image-{Guid.NewGuid():N}")).FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), Dockerfile(layout.Server), cancellationToken);
            await WriteRootfsAsync(Path.Combine(context, "rootfs.tar"), layout, cancellationToken);
            var future = new ImageFromDockerfileBuilder()
                .WithDockerEndpoint(endpoint)
                .WithLogger(NullLogger.Instance)
                .WithName(image)
                .WithContextDirectory(context)
                .WithDockerfileDirectory(context)
                .WithDockerfile("Dockerfile")
                .WithLabel(TestcontainersSetup.Label, "1")
                .WithImageBuildPolicy(PullPolicy.Missing)
                .WithDeleteIfExists(false)
                .WithCleanUp(false)
                .Build();
            await future.CreateAsync(cancellationToken);
            if (!await ExistsAsync(endpoint, image, cancellationToken)) throw new InvalidOperationException($"Building the test image {image} left no image of that name.");
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }

    private static async Task<bool> ExistsAsync(DotNet.Testcontainers.Configurations.IDockerEndpointAuthenticationConfiguration endpoint, string image, CancellationToken cancellationToken)
    {
        using var client = endpoint.GetDockerClientBuilder(Guid.Empty).Build();
        try
        {
            await client.Images.InspectImageAsync(image, cancellationToken);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
    }

    /// <summary>An exclusive lock file per image, held while one test process builds it.</summary>
    private static async Task<FileStream> AcquireLockAsync(string key, CancellationToken cancellationToken)
    {
        var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "redisbackup-tests")).FullName;
        var path = Path.Combine(dir, $"image-{key}.lock");
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    private static string Which(string binary)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var candidate = Path.Combine(dir, binary);
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException($"{binary} is not on PATH; the Docker tests build their Redis 7.0 image from the host's binaries.");
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

    private static string ContentTag(ImageLayout layout)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(LayoutVersion + "\0" + Dockerfile(layout.Server)));
        foreach (var (inImage, target) in layout.Links) sha.AppendData(Encoding.UTF8.GetBytes($"{inImage} -> {target}\0"));
        foreach (var (inImage, host) in layout.Files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(inImage + "\0"));
            using var f = File.OpenRead(host);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = f.Read(buffer)) > 0) sha.AppendData(buffer, 0, n);
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant();
    }

    private static async Task WriteRootfsAsync(string tarPath, ImageLayout layout, CancellationToken cancellationToken)
    {
        await using var output = File.Create(tarPath);
        await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: false);
        var dirs = new SortedSet<string>(StringComparer.Ordinal) { "etc", "data", "tmp", "usr", "usr/bin" };
        foreach (var path in layout.Files.Keys)
        {
            for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1)) dirs.Add(path[..slash]);
        }
        foreach (var dir in dirs)
        {
            var mode = dir == "tmp" ? (UnixFileMode)0x3FF | UnixFileMode.StickyBit : (UnixFileMode)0x1ED; // 1777 / 0755
            if (dir == "data") mode = (UnixFileMode)0x1FF; // 0777: any user the tests pick may write there
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, dir + "/") { Mode = mode }, cancellationToken);
        }
        await AddTextAsync(tar, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nredis:x:999:999:redis:/data:/bin/sh\n", cancellationToken);
        await AddTextAsync(tar, "etc/group", "root:x:0:\nredis:x:999:\n", cancellationToken);
        foreach (var (inImage, host) in layout.Files)
        {
            await using var data = File.OpenRead(host);
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, inImage) { Mode = (UnixFileMode)0x1ED, DataStream = data }, cancellationToken);
        }
        foreach (var (inImage, target) in layout.Links)
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, inImage) { LinkName = target, Mode = (UnixFileMode)0x1FF }, cancellationToken);
    }

    private static async Task AddTextAsync(TarWriter tar, string name, string text, CancellationToken cancellationToken)
    {
        using var data = new MemoryStream(Encoding.UTF8.GetBytes(text));
        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0x1A4, DataStream = data }, cancellationToken);
    }
}
