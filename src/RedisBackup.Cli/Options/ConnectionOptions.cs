using System.CommandLine;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Cli.Options;

/// <summary>
/// The Redis connection options shared by backup and restore, and their mapping to a <see cref="RedisEndpoint"/>
/// through <see cref="RedisEndpoint.Create"/> (which owns the precedence rules and REDISCLI_AUTH).
/// </summary>
internal sealed class ConnectionOptions
{
    private readonly Option<string> _host = new("--host") { Description = "Redis host (default 127.0.0.1, or the URI's host).", HelpName = "HOST" };
    private readonly Option<int?> _port = new("--port", "-p") { Description = "Redis port (default 6379, or the URI's port).", HelpName = "PORT" };
    private readonly Option<string> _uri = new("--uri", "-u") { Description = "redis://[[user]:password@]host[:port][/db] or rediss://… (TLS).", HelpName = "URI" };
    private readonly Option<string> _user = new("--user") { Description = "ACL user name (default: the default user).", HelpName = "USER" };
    private readonly Option<bool> _passwordStdin = new("--password-stdin") { Description = "Read the password from the first line of standard input." };
    private readonly Option<string> _password = new("--password") { Description = "The password (visible to other users of this machine; prefer REDISCLI_AUTH or --password-stdin).", HelpName = "PASSWORD" };
    private readonly Option<bool> _tls = new("--tls") { Description = "Connect with TLS." };
    private readonly Option<string> _tlsCa = new("--tls-ca") { Description = "PEM file with the CA certificate(s) that sign the server certificate (implies --tls).", HelpName = "FILE" };
    private readonly Option<string> _tlsCert = new("--tls-cert") { Description = "PEM client certificate for mutual TLS (implies --tls).", HelpName = "FILE" };
    private readonly Option<string> _tlsKey = new("--tls-key") { Description = "PEM private key of the client certificate.", HelpName = "FILE" };
    private readonly Option<string> _tlsServerName = new("--tls-server-name") { Description = "Name checked against the server certificate (default: the host).", HelpName = "NAME" };
    private readonly Option<bool> _tlsSkipVerify = new("--tls-skip-verify") { Description = "Accept any server certificate (insecure; only when you must)." };

    private Option[] All => [_host, _port, _uri, _user, _passwordStdin, _password, _tls, _tlsCa, _tlsCert, _tlsKey, _tlsServerName, _tlsSkipVerify];

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in All) command.Options.Add(option);
    }

    /// <summary>The options that choose a server (as opposed to the credentials, which a container needs too).</summary>
    private Option[] EndpointOnly => [_host, _port, _uri, _tls, _tlsCa, _tlsCert, _tlsKey, _tlsServerName, _tlsSkipVerify];

    /// <summary>True when an option that chooses a server (host, port, URI, TLS) was given.</summary>
    public bool AnyEndpointGiven(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return EndpointOnly.Any(o => result.GetResult(o) is { Implicit: false });
    }

    /// <summary>
    /// The user and password for a container's redis-cli: --user, and the password from --password-stdin, --password or
    /// REDISCLI_AUTH, with the same precedence and warnings as for a server.
    /// </summary>
    public ContainerCredentials? BuildContainerCredentials(ParseResult result, CliHost host, ICollection<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(warnings);
        return ContainerCredentials.Create(result.GetValue(_user), Password(result, host, warnings), host.Environment);
    }

    /// <summary>
    /// The endpoint the options describe. Reads standard input for --password-stdin, and adds a warning when a
    /// password was given on the command line (where other users can see it).
    /// </summary>
    public RedisEndpoint Build(ParseResult result, CliHost host, ICollection<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(warnings);
        var uri = result.GetValue(_uri);
        var password = Password(result, host, warnings);

        var endpoint = RedisEndpoint.Create(
            uri: uri,
            host: result.GetValue(_host),
            port: result.GetValue(_port),
            user: result.GetValue(_user),
            password: password,
            useTls: result.GetValue(_tls) ? true : null,
            tlsCaFile: result.GetValue(_tlsCa),
            tlsSkipVerify: result.GetValue(_tlsSkipVerify),
            tlsServerName: result.GetValue(_tlsServerName),
            tlsClientCertFile: result.GetValue(_tlsCert),
            tlsClientKeyFile: result.GetValue(_tlsKey),
            environment: host.Environment);

        if (uri is not null && password is null && RedisEndpoint.Parse(uri).Password is not null)
            warnings.Add("a password inside --uri is visible to other users of this machine (process list, shell history); prefer REDISCLI_AUTH or --password-stdin.");
        return endpoint;
    }

    /// <summary>The password from --password-stdin or --password (with its warning); null when neither was given.</summary>
    private string? Password(ParseResult result, CliHost host, ICollection<string> warnings)
    {
        var password = result.GetValue(_password);
        if (result.GetValue(_passwordStdin))
        {
            if (password is not null)
                throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.ConflictingPasswordOptions, "Give the password either with --password-stdin or with --password, not both.");
            return ReadPassword(host.In);
        }
        if (password is not null)
            warnings.Add("a password given with --password is visible to other users of this machine (process list, shell history); prefer REDISCLI_AUTH or --password-stdin.");
        return password;
    }

    private static string ReadPassword(TextReader input)
    {
        var line = input.ReadLine();
        if (string.IsNullOrEmpty(line))
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.PasswordStdinEmpty, "--password-stdin was given but standard input held no password (an empty first line).");
        return line;
    }
}
