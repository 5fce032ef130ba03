using System.Globalization;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Docker;

/// <summary>How the engine is reached.</summary>
internal enum DockerTransport
{
    /// <summary>A unix domain socket (the Linux and macOS default).</summary>
    Unix,
    /// <summary>A Windows named pipe (the Windows default).</summary>
    NamedPipe,
    /// <summary>Plain or TLS TCP.</summary>
    Tcp,
}

/// <summary>
/// Where the Docker engine listens and how to talk to it, parsed from DOCKER_HOST, DOCKER_CERT_PATH,
/// DOCKER_TLS_VERIFY and DOCKER_API_VERSION the way the docker CLI reads them.
/// </summary>
internal sealed record DockerHost
{
    public const string DefaultUnixSocket = "/var/run/docker.sock";
    public const string DefaultPipe = "docker_engine";

    public required DockerTransport Transport { get; init; }

    /// <summary>Socket path (unix), pipe name (npipe) or host name (tcp).</summary>
    public required string Address { get; init; }

    /// <summary>Pipe server (npipe, "." for local) or unused.</summary>
    public string PipeServer { get; init; } = ".";

    /// <summary>TCP port (tcp only).</summary>
    public int Port { get; init; }

    /// <summary>Use TLS (tcp only): set when DOCKER_CERT_PATH or DOCKER_TLS_VERIFY is set.</summary>
    public bool UseTls { get; init; }

    /// <summary>Check the engine's certificate against ca.pem (DOCKER_TLS_VERIFY non-empty).</summary>
    public bool VerifyTls { get; init; }

    /// <summary>Directory with ca.pem, cert.pem, key.pem (tcp with TLS only).</summary>
    public string? CertPath { get; init; }

    /// <summary>A pinned API version (DOCKER_API_VERSION), used instead of negotiation.</summary>
    public string? ApiVersion { get; init; }

    /// <summary>The DOCKER_HOST form of this endpoint, for messages.</summary>
    public string Display => Transport switch
    {
        DockerTransport.Unix => "unix://" + Address,
        DockerTransport.NamedPipe => $"npipe:////{PipeServer}/pipe/{Address}",
        _ => $"tcp://{Address}:{Port.ToString(CultureInfo.InvariantCulture)}",
    };

    public override string ToString() => Display;

    /// <summary>Reads the DOCKER_* variables; <paramref name="environment"/> defaults to the process environment.</summary>
    public static DockerHost FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var host = Parse(environment("DOCKER_HOST"));
        var apiVersion = NullIfEmpty(environment("DOCKER_API_VERSION"));
        if (apiVersion is not null && !ApiVersionValue.TryParse(apiVersion, out _))
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.DockerApiVersionInvalid,
                $"DOCKER_API_VERSION '{apiVersion}' is not an API version such as 1.41.", apiVersion);
        host = host with { ApiVersion = apiVersion };
        if (host.Transport != DockerTransport.Tcp) return host;

        var verify = NullIfEmpty(environment("DOCKER_TLS_VERIFY")) is not null;
        var certPath = NullIfEmpty(environment("DOCKER_CERT_PATH"));
        if (certPath is null && verify)
            certPath = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
        return host with { UseTls = certPath is not null, VerifyTls = verify, CertPath = certPath };
    }

    /// <summary>Parses a DOCKER_HOST value; null or empty gives the platform default.</summary>
    public static DockerHost Parse(string? value)
    {
        value = NullIfEmpty(value?.Trim());
        if (value is null)
        {
            return OperatingSystem.IsWindows()
                ? new DockerHost { Transport = DockerTransport.NamedPipe, Address = DefaultPipe }
                : new DockerHost { Transport = DockerTransport.Unix, Address = DefaultUnixSocket };
        }

        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0) throw Invalid(value, "it has no scheme (unix://, npipe:// or tcp://)");
        var scheme = value[..schemeEnd].ToUpperInvariant();
        var rest = value[(schemeEnd + 3)..];
        switch (scheme)
        {
            case "UNIX":
                if (rest.Length == 0) throw Invalid(value, "the socket path is empty");
                return new DockerHost { Transport = DockerTransport.Unix, Address = rest };
            case "NPIPE":
                return ParsePipe(value, rest);
            case "TCP":
            case "HTTP":
            case "HTTPS":
                return ParseTcp(value, rest, scheme == "HTTPS");
            case "SSH":
                throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.DockerHostUnsupported,
                    $"DOCKER_HOST '{value}' uses ssh://, which only the docker CLI supports. Forward the socket (ssh -L) and use unix:// or tcp:// instead.", value);
            default:
                throw Invalid(value, $"the scheme '{value[..schemeEnd]}' is not unix://, npipe:// or tcp://");
        }
    }

    private static DockerHost ParsePipe(string value, string rest)
    {
        // npipe:////./pipe/docker_engine  (also accept npipe://./pipe/docker_engine)
        var path = rest.Replace('\\', '/').TrimStart('/');
        var parts = path.Split('/');
        if (parts.Length != 3 || !string.Equals(parts[1], "pipe", StringComparison.OrdinalIgnoreCase) || parts[0].Length == 0 || parts[2].Length == 0)
            throw Invalid(value, "a named pipe looks like npipe:////./pipe/docker_engine");
        return new DockerHost { Transport = DockerTransport.NamedPipe, PipeServer = parts[0], Address = parts[2] };
    }

    private static DockerHost ParseTcp(string value, string rest, bool https)
    {
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (rest[slash..].Trim('/').Length > 0) throw Invalid(value, "a base path after the host is not supported");
            rest = rest[..slash];
        }
        string host;
        string? portText;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw Invalid(value, "the IPv6 address has no closing ']'");
            host = rest[1..close];
            portText = rest.Length > close + 1 && rest[close + 1] == ':' ? rest[(close + 2)..] : null;
        }
        else
        {
            var colon = rest.LastIndexOf(':');
            host = colon >= 0 ? rest[..colon] : rest;
            portText = colon >= 0 ? rest[(colon + 1)..] : null;
        }
        if (host.Length == 0) throw Invalid(value, "the host name is empty");
        var port = https ? 2376 : 2375;
        if (!string.IsNullOrEmpty(portText)
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
            throw Invalid(value, $"'{portText}' is not a TCP port");
        return new DockerHost { Transport = DockerTransport.Tcp, Address = host, Port = port, UseTls = https };
    }

    private static RedisBackupException Invalid(string value, string why)
        => new(ErrorKind.InvalidArgument, ErrorIds.DockerHostInvalid, $"DOCKER_HOST '{value}' is not valid: {why}.", value);

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
