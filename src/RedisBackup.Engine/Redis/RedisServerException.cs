using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Redis;

/// <summary>An error reply from the server, classified by its prefix (WRONGPASS, NOPERM, BUSYKEY, …).</summary>
public sealed class RedisServerException : RedisBackupException
{
    public RedisServerException(ErrorKind kind, string errorId, string message, string reply, string? command)
        : base(kind, errorId, message)
    {
        Reply = reply;
        Command = command;
    }

    public RedisServerException() : this(ErrorKind.ServerError, ErrorIds.RedisServerError, "Redis returned an error.", "ERR", null) { }
    public RedisServerException(string message) : this(ErrorKind.ServerError, ErrorIds.RedisServerError, message, message, null) { }
    public RedisServerException(string message, Exception inner) : base(ErrorKind.ServerError, ErrorIds.RedisServerError, message, null, inner) { Reply = message; }

    /// <summary>The raw error text, e.g. "BUSYKEY Target key name already exists."</summary>
    public string Reply { get; } = "";

    /// <summary>The command name that failed, when known.</summary>
    public string? Command { get; }

    /// <summary>The first word of the reply: ERR, WRONGPASS, NOPERM, BUSYKEY, MOVED, …</summary>
    public string Prefix => Reply.Split(' ', 2)[0];

    public static RedisServerException FromReply(string reply, string? command)
    {
        var prefix = reply.Split(' ', 2)[0];
        var where = command is null ? "" : $" ({command})";
        return prefix switch
        {
            "WRONGPASS" => new(ErrorKind.AuthenticationFailed, ErrorIds.RedisAuthenticationFailed,
                $"Redis rejected the user name or password: {reply}", reply, command),
            "NOAUTH" => new(ErrorKind.AuthenticationFailed, ErrorIds.RedisAuthenticationRequired,
                $"Redis requires a password{where}: {reply.TrimEnd('.')}. Give one with a credential, the URI or REDISCLI_AUTH.", reply, command),
            "NOPERM" => new(ErrorKind.PermissionDenied, ErrorIds.RedisPermissionDenied,
                $"The Redis user lacks a permission{where}: {reply}", reply, command),
            _ when reply.Contains("invalid password", StringComparison.OrdinalIgnoreCase)
                || reply.Contains("invalid username-password", StringComparison.OrdinalIgnoreCase) => new(ErrorKind.AuthenticationFailed, ErrorIds.RedisAuthenticationFailed,
                $"Redis rejected the password: {reply}", reply, command),
            _ when reply.Contains("without any password configured", StringComparison.OrdinalIgnoreCase) => new(ErrorKind.AuthenticationFailed, ErrorIds.RedisAuthenticationFailed,
                $"A password was given but the server has none configured: {reply}", reply, command),
            _ => new(ErrorKind.ServerError, ErrorIds.RedisServerError, $"Redis returned an error{where}: {reply}", reply, command),
        };
    }
}
