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
    public string? TlsCertificatePath { get; init; }
    public string? TlsKeyPath { get; init; }
    public string? TlsServerName { get; init; }
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
/// Turns cmdlet parameter values into engine requests: pure mapping. Every check of a request is the engine's
/// (<see cref="BackupOperation.Check"/>, <see cref="RestoreOperation.Check"/>), called here so that wrong arguments stop
/// the cmdlet before ShouldProcess. No PowerShell types appear here, so the tests run it without a PowerShell runtime;
/// the cmdlets only collect their parameters and call these methods.
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
            tlsServerName: connection.TlsServerName,
            tlsClientCertFile: connection.TlsCertificatePath,
            tlsClientKeyFile: connection.TlsKeyPath,
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
        // With -Container only the credentials apply; endpoint values given anyway reach the engine, which refuses two sources.
        var hasEndpoint = !hasContainer || HasEndpointValues(connection);
        return BackupOperation.Check(new BackupRequest
        {
            Kind = hasContainer ? BackupKind.Snapshot : values.Kind,
            Container = hasContainer ? connection.Container : null,
            ContainerCredentials = hasContainer && !hasEndpoint ? ContainerCredentials(connection, environment) : null,
            Endpoint = hasEndpoint ? Endpoint(connection, database: null, environment) : null,
            Directory = values.Directory,
            Databases = values.Databases is { Count: > 0 } ? values.Databases : null,
            Match = values.Match,
            Types = values.Types is { Count: > 0 } ? values.Types : null,
            Exact = values.Exact,
            Compress = values.Compress,
            Keep = values.Keep,
            MaxAge = values.MaxAge,
            Label = values.Label,
            AllowShrink = values.AllowShrink,
        });
    }

    public static RestoreRequest Restore(string path, ConnectionValues connection, RestoreValues values, Func<string, string?>? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(values);
        var hasContainer = !string.IsNullOrEmpty(connection.Container);
        // With -Container only the credentials apply; endpoint values given anyway reach the engine, which refuses two targets.
        var hasEndpoint = !hasContainer || HasEndpointValues(connection);
        return RestoreOperation.Check(new RestoreRequest
        {
            Path = path,
            Container = hasContainer ? connection.Container : null,
            ContainerCredentials = hasContainer && !hasEndpoint ? ContainerCredentials(connection, environment) : null,
            Endpoint = hasEndpoint ? Endpoint(connection, database: null, environment) : null,
            Options = new RestoreOptions
            {
                ExistingKeys = RestoreOperation.ExistingKeys(values.Replace, values.Flush),
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
        });
    }

    /// <summary>Splits a backup file's full path into its catalog directory and file name (for removal by path).</summary>
    public static (string Directory, string Name) SplitBackupPath(string fullPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(fullPath);
        var name = System.IO.Path.GetFileName(fullPath);
        var directory = System.IO.Path.GetDirectoryName(fullPath);
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(directory))
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidBackupPath, $"'{fullPath}' does not name a backup file.", fullPath);
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
        => c.HostName is not null || c.Port is not null || c.Uri is not null || c.UseTls || c.TlsCaFile is not null || c.SkipCertificateCheck
           || c.TlsCertificatePath is not null || c.TlsKeyPath is not null || c.TlsServerName is not null;
}
