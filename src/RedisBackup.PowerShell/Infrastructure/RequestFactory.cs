using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;

namespace RedisBackup.PowerShell.Infrastructure;

/// <summary>The connection parameters every cmdlet shares, as plain values (the credential already split).</summary>
internal sealed record ConnectionValues
{
    public string? Container { get; init; }
    public string? HostName { get; init; }
    public int? Port { get; init; }
    public string? Uri { get; init; }
    public string? UserName { get; init; }
    public string? Password { get; init; }
    public bool UseTls { get; init; }
    public string? TlsCaFile { get; init; }
    public bool SkipCertificateCheck { get; init; }
}

/// <summary>New-RedisBackup's parameters other than the connection, as plain values.</summary>
internal sealed record BackupValues
{
    public BackupKind Kind { get; init; } = BackupKind.KeyLevel;
    public string? Directory { get; init; }
    public IReadOnlyList<int>? Databases { get; init; }
    public string? Match { get; init; }
    public IReadOnlyList<string>? Types { get; init; }
    public bool Exact { get; init; }
    public bool Compress { get; init; }
    public int? Keep { get; init; }
    public TimeSpan? MaxAge { get; init; }
    public string? Label { get; init; }
    public bool AllowShrink { get; init; }
}

/// <summary>Restore-RedisBackup's parameters other than the connection, as plain values.</summary>
internal sealed record RestoreValues
{
    public bool Replace { get; init; }
    public bool Flush { get; init; }
    public TtlMode TtlMode { get; init; } = TtlMode.Absolute;
    public int? ToDatabase { get; init; }
    public bool FailFast { get; init; }
    public bool RequireFieldTtl { get; init; }
    public IReadOnlyList<int>? SourceDatabases { get; init; }
    public string? Match { get; init; }
    public IReadOnlyList<string>? Types { get; init; }
    public bool SkipVerify { get; init; }
    public bool SkipSafetySnapshot { get; init; }
    public string? SafetySnapshotDirectory { get; init; }
}

/// <summary>
/// Turns cmdlet parameter values into engine requests. No PowerShell types appear here, so the tests run it
/// without a PowerShell runtime; the cmdlets only collect their parameters and call these methods.
/// </summary>
internal static class RequestFactory
{
    /// <summary>The catalog directory used when a cmdlet gets no -Path and REDISBACKUP_PATH is unset (as in the engine).</summary>
    public const string DefaultCatalogDirectory = "./backups/redis";

    /// <summary>
    /// The catalog directory as the user wrote it, before PowerShell resolves it against its current location
    /// (BackupCatalog.ResolveDirectory applies the same rule but against the process's directory, which PowerShell does not move).
    /// </summary>
    public static string CatalogDirectoryText(string? path, Func<string, string?>? environment = null)
    {
        if (!string.IsNullOrWhiteSpace(path)) return path;
        var env = (environment ?? Environment.GetEnvironmentVariable)(BackupCatalog.PathVariable);
        return string.IsNullOrWhiteSpace(env) ? DefaultCatalogDirectory : env;
    }

    /// <summary>
    /// The Redis endpoint for the shared connection parameters. A credential whose user is empty or "default"
    /// authenticates with the password only, which every Redis version accepts.
    /// </summary>
    public static RedisEndpoint Endpoint(ConnectionValues connection, int? database = null, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return RedisEndpoint.Create(
            uri: connection.Uri,
            host: connection.HostName,
            port: connection.Port,
            user: NormalizeUser(connection.UserName),
            password: connection.Password,
            useTls: connection.UseTls ? true : null,
            tlsCaFile: connection.TlsCaFile,
            tlsSkipVerify: connection.SkipCertificateCheck,
            database: database,
            environment: environment);
    }

    /// <summary>
    /// The user and password for the redis-cli inside a container (-Credential with -Container); without a
    /// credential, REDISCLI_AUTH supplies the password as for an endpoint.
    /// </summary>
    public static ContainerCredentials? ContainerCredentials(ConnectionValues connection, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Engine.Docker.ContainerCredentials.Create(NormalizeUser(connection.UserName), connection.Password, environment);
    }

    public static string? NormalizeUser(string? user)
        => string.IsNullOrEmpty(user) || string.Equals(user, "default", StringComparison.Ordinal) ? null : user;

    public static BackupRequest Backup(ConnectionValues connection, BackupValues values, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(values);
        var hasContainer = !string.IsNullOrEmpty(connection.Container);
        if (hasContainer && HasEndpointValues(connection))
            throw new RedisBackupException(ErrorKind.InvalidArgument, "ConflictingSource",
                $"Give either -Container '{connection.Container}' or a Redis endpoint (-HostName/-Port/-Uri), not both.", connection.Container);
        var kind = hasContainer ? BackupKind.Snapshot : values.Kind;
        if (kind == BackupKind.Snapshot && (values.Exact || values.Match is not null || values.Types is { Count: > 0 } || values.Databases is { Count: > 0 }))
            throw new RedisBackupException(ErrorKind.InvalidArgument, "KeyOptionsNeedKeyLevel",
                "-Exact, -Match, -Type and -Database choose keys, so they apply to a key-level backup only; a snapshot always holds every key.");
        if (values.Keep is < 1)
            throw new RedisBackupException(ErrorKind.InvalidArgument, "InvalidKeep", $"-Keep must be at least 1 (got {values.Keep}).", values.Keep);
        if (values.MaxAge is { } age && age <= TimeSpan.Zero)
            throw new RedisBackupException(ErrorKind.InvalidArgument, "InvalidMaxAge", $"-MaxAge must be a positive time span (got {age}).", age);
        if (values.Databases?.FirstOrDefault(d => d < 0) is < 0)
            throw new RedisBackupException(ErrorKind.InvalidArgument, "InvalidDatabase", "-Database values must not be negative.", values.Databases);

        return new BackupRequest
        {
            Kind = kind,
            Container = hasContainer ? connection.Container : null,
            ContainerCredentials = hasContainer ? ContainerCredentials(connection, environment) : null,
            Endpoint = hasContainer ? null : Endpoint(connection, database: null, environment),
            Directory = values.Directory,
            Databases = values.Databases is { Count: > 0 } ? values.Databases : null,
            Match = values.Match,
            Types = values.Types is { Count: > 0 } ? KeyTypeNames.Validate(values.Types) : null,
            Exact = values.Exact,
            Compress = values.Compress,
            Keep = values.Keep,
            MaxAge = values.MaxAge,
            Label = values.Label,
            AllowShrink = values.AllowShrink,
        };
    }

    public static RestoreRequest Restore(string path, ConnectionValues connection, RestoreValues values, Func<string, string?>? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(values);
        var hasContainer = !string.IsNullOrEmpty(connection.Container);
        if (hasContainer && HasEndpointValues(connection))
            throw new RedisBackupException(ErrorKind.InvalidArgument, "ConflictingTarget",
                $"Give either -Container '{connection.Container}' or a Redis endpoint (-HostName/-Port/-Uri), not both.", connection.Container);
        if (values.Replace && values.Flush)
            throw new RedisBackupException(ErrorKind.InvalidArgument, "ConflictingExistingKeyPolicy",
                "-Replace overwrites existing keys and -Flush empties each database first: choose one.");
        if (values.ToDatabase is < 0)
            throw new RedisBackupException(ErrorKind.InvalidArgument, "InvalidDatabase", $"-ToDatabase must not be negative (got {values.ToDatabase}).", values.ToDatabase);

        return new RestoreRequest
        {
            Path = path,
            Container = hasContainer ? connection.Container : null,
            ContainerCredentials = hasContainer ? ContainerCredentials(connection, environment) : null,
            Endpoint = hasContainer ? null : Endpoint(connection, database: null, environment),
            Options = new RestoreOptions
            {
                ExistingKeys = values.Flush ? ExistingKeyPolicy.Flush : values.Replace ? ExistingKeyPolicy.Replace : ExistingKeyPolicy.Skip,
                Ttl = values.TtlMode,
                TargetDatabase = values.ToDatabase,
                FailFast = values.FailFast,
                RequireFieldTtl = values.RequireFieldTtl,
                Databases = values.SourceDatabases is { Count: > 0 } ? values.SourceDatabases : null,
                Match = values.Match,
                Types = values.Types is { Count: > 0 } ? values.Types : null,
            },
            SkipVerify = values.SkipVerify,
            SkipSafetySnapshot = values.SkipSafetySnapshot,
            SafetySnapshotDirectory = values.SafetySnapshotDirectory,
        };
    }

    /// <summary>Splits a backup file's full path into its catalog directory and file name (for removal by path).</summary>
    public static (string Directory, string Name) SplitBackupPath(string fullPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(fullPath);
        var name = System.IO.Path.GetFileName(fullPath);
        var directory = System.IO.Path.GetDirectoryName(fullPath);
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(directory))
            throw new RedisBackupException(ErrorKind.InvalidArgument, "InvalidBackupPath", $"'{fullPath}' does not name a backup file.", fullPath);
        return (directory, name);
    }

    /// <summary>The file a copy writes: into the destination when it is an existing directory, else the destination itself.</summary>
    public static string CopyTargetPath(string backupName, string destination, Func<string, bool> directoryExists)
    {
        ArgumentException.ThrowIfNullOrEmpty(backupName);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        ArgumentNullException.ThrowIfNull(directoryExists);
        var endsWithSeparator = destination.EndsWith(System.IO.Path.DirectorySeparatorChar) || destination.EndsWith(System.IO.Path.AltDirectorySeparatorChar);
        return endsWithSeparator || directoryExists(destination) ? System.IO.Path.Combine(destination, backupName) : destination;
    }

    private static bool HasEndpointValues(ConnectionValues c)
        => c.HostName is not null || c.Port is not null || c.Uri is not null || c.UseTls || c.TlsCaFile is not null || c.SkipCertificateCheck;
}
