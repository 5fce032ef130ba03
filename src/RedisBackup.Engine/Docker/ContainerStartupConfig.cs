using System.Formats.Tar;
using System.Globalization;
using System.Text;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Docker;

/// <summary>
/// The Redis settings a container's server starts with: its command line (the container's entrypoint and command)
/// and the config file named there (with its includes), read through the archive API, so they are known for a
/// stopped container and are what a restart will use, whatever was changed at runtime with CONFIG SET.
/// </summary>
internal sealed record ContainerStartupConfig
{
    private const int MaxConfigBytes = 1 << 20;
    private const int MaxFiles = 16;

    /// <summary>False when the container does not run redis-server directly (a wrapper script): nothing else here is known then.</summary>
    public bool Known { get; init; }

    /// <summary>The server command as the container runs it, for messages.</summary>
    public string Command { get; init; } = "";

    /// <summary>The config file named on the command line (absolute, inside the container), if any.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>The last value of each directive (command line over file), lower-case names, arguments joined by spaces.</summary>
    public IReadOnlyDictionary<string, string> Values { get; init; } = new Dictionary<string, string>();

    public string WorkingDir { get; init; } = "/";

    public string DataDirectory => Resolve(Values.GetValueOrDefault("dir") ?? ".");
    public string DbFileName => Values.GetValueOrDefault("dbfilename") ?? "dump.rdb";
    public bool AppendOnly => string.Equals(Values.GetValueOrDefault("appendonly"), "yes", StringComparison.OrdinalIgnoreCase);
    public string AppendDirName => Values.GetValueOrDefault("appenddirname") ?? "appendonlydir";
    public string AppendFileName => Values.GetValueOrDefault("appendfilename") ?? "appendonly.aof";

    /// <summary>The TCP port, when set anywhere (redis-cli inside the container needs it).</summary>
    public int? Port => int.TryParse(Values.GetValueOrDefault("port"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : null;

    /// <summary>Where the settings came from, for messages: "its command line (…)" plus the config file.</summary>
    public string Describe() => !Known ? $"its command line ({Command})"
        : ConfigFile is null ? $"its command line ({Command})" : $"its command line ({Command}) and {ConfigFile}";

    /// <summary>Reads the start-up settings of a container (running or not).</summary>
    public static async Task<ContainerStartupConfig> ReadAsync(DockerClient docker, ContainerInfo info, CancellationToken ct)
    {
        var workingDir = string.IsNullOrEmpty(info.WorkingDir) ? "/" : info.WorkingDir;
        var tokens = new List<string> { info.Path };
        tokens.AddRange(info.Args);
        var command = string.Join(' ', tokens.Select(Quote));
        var serverArgs = ServerArguments(tokens);
        if (serverArgs is null) return new ContainerStartupConfig { Known = false, Command = command, WorkingDir = workingDir };

        var (configFile, options) = RedisConfigText.ParseCommandLine(serverArgs);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? configPath = null;
        if (configFile is not null)
        {
            if (configFile == "-")
                throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ContainerConfigUnreadable,
                    $"Container '{info.Name}' starts redis-server with its configuration on standard input ({command}), so the settings it starts with cannot be read. Nothing was changed.", info.Name);
            configPath = ContainerSnapshotSource.JoinPath(workingDir, configFile);
            var files = 0;
            await ApplyFileAsync(docker, info.Name, configPath, workingDir, values, depth: 0, () => ++files, ct).ConfigureAwait(false);
        }
        foreach (var option in options) values[option.Name] = string.Join(' ', option.Args);
        return new ContainerStartupConfig { Known = true, Command = command, ConfigFile = configPath, Values = values, WorkingDir = workingDir };
    }

    /// <summary>A path as redis-server resolves it: relative to the directory it starts in.</summary>
    public string Resolve(string path) => path is "." or "./" or "" ? WorkingDir : ContainerSnapshotSource.JoinPath(WorkingDir, path);

    /// <summary>
    /// The arguments after redis-server (or valkey-server) in the container's process, or null when it runs something
    /// else. The official image's entrypoint runs "redis-server ARGS" when its first argument is an option or a .conf file.
    /// </summary>
    internal static List<string>? ServerArguments(IReadOnlyList<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var name = tokens[i][(tokens[i].LastIndexOf('/') + 1)..];
            if (name is "redis-server" or "valkey-server") return tokens.Skip(i + 1).ToList();
        }
        if (tokens.Count > 1 && tokens[0].EndsWith("docker-entrypoint.sh", StringComparison.Ordinal)
            && (tokens[1].StartsWith('-') || tokens[1].EndsWith(".conf", StringComparison.Ordinal)))
            return tokens.Skip(1).ToList();
        return null;
    }

    private static async Task ApplyFileAsync(DockerClient docker, string container, string path, string workingDir, Dictionary<string, string> values, int depth, Func<int> countFile, CancellationToken ct)
    {
        if (depth > 8 || countFile() > MaxFiles)
            throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ContainerConfigUnreadable,
                $"The configuration of container '{container}' includes more than {MaxFiles} files or nests includes too deeply ({path}). Nothing was changed.", container);
        var text = await ReadTextAsync(docker, container, path, ct).ConfigureAwait(false);
        List<ConfigDirective> directives;
        try
        {
            directives = RedisConfigText.ParseFile(text);
        }
        catch (FormatException ex)
        {
            throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.ContainerConfigUnreadable,
                $"The config file {path} of container '{container}' cannot be read as redis-server reads it: {ex.Message}. Nothing was changed.", container, ex);
        }
        foreach (var d in directives)
        {
            if (d.Name == "include")
            {
                foreach (var include in d.Args)
                {
                    if (include.IndexOfAny(['*', '?', '[']) >= 0)
                        throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ContainerConfigUnreadable,
                            $"The config file {path} of container '{container}' includes files by a pattern ({include}), which this tool does not expand. Nothing was changed.", container);
                    await ApplyFileAsync(docker, container, ContainerSnapshotSource.JoinPath(workingDir, include), workingDir, values, depth + 1, countFile, ct).ConfigureAwait(false);
                }
                continue;
            }
            values[d.Name] = string.Join(' ', d.Args);
        }
    }

    /// <summary>A small text file out of the container's archive, following symbolic links.</summary>
    private static async Task<string> ReadTextAsync(DockerClient docker, string container, string path, CancellationToken ct)
    {
        for (var hops = 0; hops < 8; hops++)
        {
            ContainerArchive archive;
            try
            {
                archive = await docker.GetArchiveAsync(container, path, ct).ConfigureAwait(false);
            }
            catch (RedisBackupException ex) when (ex.ErrorId == ErrorIds.ContainerPathNotFound)
            {
                throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.ContainerConfigUnreadable,
                    $"Container '{container}' starts redis-server with the config file {path}, which is not in the container. Nothing was changed.", container, ex);
            }
            await using (archive.ConfigureAwait(false))
            {
                var reader = new TarReader(archive.Tar, leaveOpen: true);
                await using (reader.ConfigureAwait(false))
                {
                    var entry = await reader.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false);
                    if (entry?.EntryType == TarEntryType.SymbolicLink)
                    {
                        path = entry.LinkName.StartsWith('/') ? entry.LinkName : ContainerSnapshotSource.JoinPath(path[..(path.LastIndexOf('/') + 1)], entry.LinkName);
                        continue;
                    }
                    if (entry is null || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null || entry.Length > MaxConfigBytes)
                        throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.ContainerConfigUnreadable,
                            $"The config file {path} of container '{container}' is not a regular file of at most 1 MiB. Nothing was changed.", container);
                    using var text = new StreamReader(entry.DataStream, Encoding.UTF8);
                    return await text.ReadToEndAsync(ct).ConfigureAwait(false);
                }
            }
        }
        throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.ContainerConfigUnreadable, $"The config file {path} of container '{container}' is a chain of symbolic links too long to follow.", container);
    }

    private static string Quote(string arg) => arg.Length == 0 ? "\"\"" : arg.Contains(' ', StringComparison.Ordinal) ? "'" + arg + "'" : arg;
}
