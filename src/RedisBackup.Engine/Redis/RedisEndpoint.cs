using System.Globalization;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Redis;

/// <summary>
/// Everything needed to open a connection to one Redis server. Immutable; build it with
/// <see cref="Create"/> (the rules both fronts share) or <see cref="Parse"/> for a URI.
/// </summary>
public sealed record RedisEndpoint
{
    public const int DefaultPort = 6379;

    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = DefaultPort;

    /// <summary>ACL user name; null means the default user (AUTH with a password only).</summary>
    public string? User { get; init; }

    /// <summary>Password; null means no AUTH is sent.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// The database the URI names (redis://h/3), or given explicitly; null when none was. It is selected right after
    /// connecting, and it is what the operation works on: a key-level backup exports only this database, a live restore
    /// writes every key into it.
    /// </summary>
    public int? Database { get; init; }

    public bool UseTls { get; init; }

    /// <summary>PEM file with the CA certificate(s) that sign the server certificate.</summary>
    public string? TlsCaFile { get; init; }

    /// <summary>PEM client certificate and key for mutual TLS.</summary>
    public string? TlsClientCertFile { get; init; }
    public string? TlsClientKeyFile { get; init; }

    /// <summary>Name checked against the server certificate; defaults to <see cref="Host"/>.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>Accept any server certificate. Only when the user asks for it explicitly.</summary>
    public bool TlsSkipVerify { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Maximum time to wait for a reply once a command was sent. Zero or negative disables it.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>"host:port" (with [ ] around IPv6 literals).</summary>
    public string Address => (Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>A display form without the password, e.g. "rediss://backup@cache:6380/0".</summary>
    public override string ToString()
        => (UseTls ? "rediss://" : "redis://") + (User is null ? "" : Uri.EscapeDataString(User) + "@") + Address
           + (Database is { } db ? "/" + db.ToString(CultureInfo.InvariantCulture) : "");

    /// <summary>
    /// Parses redis://[[user]:password@]host[:port][/db] and rediss://… (TLS).
    /// </summary>
    public static RedisEndpoint Parse(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var u) || (u.Scheme != "redis" && u.Scheme != "rediss"))
        {
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidRedisUri,
                $"'{Redact(uri)}' is not a redis:// or rediss:// URI.", Redact(uri));
        }

        string? user = null, password = null;
        if (!string.IsNullOrEmpty(u.UserInfo))
        {
            var info = u.UserInfo;
            var colon = info.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                // redis://password@host is accepted by redis-cli as a password only.
                password = Uri.UnescapeDataString(info);
            }
            else
            {
                var userPart = Uri.UnescapeDataString(info[..colon]);
                user = userPart.Length == 0 ? null : userPart;
                password = Uri.UnescapeDataString(info[(colon + 1)..]);
            }
        }

        int? db = null;
        var path = u.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidRedisUri,
                    $"The database '{path}' in '{Redact(uri)}' is not a number.", Redact(uri));
            db = number;
        }

        var host = u.Host.Trim('[', ']');
        return new RedisEndpoint
        {
            Host = host.Length == 0 ? "127.0.0.1" : host,
            Port = u.IsDefaultPort || u.Port < 0 ? DefaultPort : u.Port,
            User = user,
            Password = password,
            Database = db,
            UseTls = u.Scheme == "rediss",
        };
    }

    /// <summary>
    /// The rules both fronts share: a URI sets the base, explicit host/port/user/password/TLS options override it,
    /// and when no password was given at all the <c>REDISCLI_AUTH</c> environment variable supplies one (as redis-cli does).
    /// </summary>
    public static RedisEndpoint Create(
        string? uri = null,
        string? host = null,
        int? port = null,
        string? user = null,
        string? password = null,
        bool? useTls = null,
        string? tlsCaFile = null,
        bool tlsSkipVerify = false,
        string? tlsServerName = null,
        string? tlsClientCertFile = null,
        string? tlsClientKeyFile = null,
        int? database = null,
        Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var ep = uri is null ? new RedisEndpoint() : Parse(uri);
        if (host is not null) ep = ep with { Host = host };
        if (port is not null)
        {
            if (port is < 1 or > 65535)
                throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.InvalidPort, $"Port {port} is out of range 1-65535.", port);
            ep = ep with { Port = port.Value };
        }
        if (user is not null) ep = ep with { User = user };
        if (password is not null) ep = ep with { Password = password };
        if (ep.Password is null)
        {
            var env = environment("REDISCLI_AUTH");
            if (!string.IsNullOrEmpty(env)) ep = ep with { Password = env };
        }
        if (useTls is not null) ep = ep with { UseTls = useTls.Value };
        if (tlsCaFile is not null || tlsSkipVerify || tlsServerName is not null || tlsClientCertFile is not null) ep = ep with { UseTls = true };
        ep = ep with
        {
            TlsCaFile = tlsCaFile ?? ep.TlsCaFile,
            TlsSkipVerify = tlsSkipVerify || ep.TlsSkipVerify,
            TlsServerName = tlsServerName ?? ep.TlsServerName,
            TlsClientCertFile = tlsClientCertFile ?? ep.TlsClientCertFile,
            TlsClientKeyFile = tlsClientKeyFile ?? ep.TlsClientKeyFile,
        };
        if (database is not null)
        {
            DatabaseNumbers.Check(database, "The database");
            ep = ep with { Database = database.Value };
        }
        return ep;
    }

    private static string Redact(string uri)
    {
        var at = uri.LastIndexOf('@');
        var scheme = uri.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme >= 0 && at > scheme ? uri[..(scheme + 3)] + "***@" + uri[(at + 1)..] : uri;
    }
}
