namespace RedisBackup.Engine.Model;

/// <summary>
/// A key's type, for decisions: the six built-in types as Redis's TYPE command names them, <see cref="None"/> for
/// TYPE's answer about a missing key, and <see cref="Other"/> for everything else (a module's type such as ReJSON-RL,
/// whose name stays a string where it is kept). The names themselves (in files, in filters, in messages) stay strings;
/// code compares this instead of them. <see cref="RedisKeyTypes.Parse"/> is the one place a name is compared.
/// </summary>
internal enum RedisKeyType
{
    /// <summary>Not a built-in type: a module's type, or a name this version does not know.</summary>
    Other,
    /// <summary>TYPE's "none": the key does not exist.</summary>
    None,
    String,
    Hash,
    List,
    Set,
    ZSet,
    Stream,
}

/// <summary>The names of <see cref="RedisKeyType"/>: TYPE's replies, the key-level file's "type", the RDB type catalogue's logical types.</summary>
internal static class RedisKeyTypes
{
    /// <summary>The type a name denotes, case-sensitively as TYPE reports it ("hash", not "HASH"); <see cref="RedisKeyType.Other"/> for any other name.</summary>
    public static RedisKeyType Parse(string? name) => name switch
    {
        "string" => RedisKeyType.String,
        "hash" => RedisKeyType.Hash,
        "list" => RedisKeyType.List,
        "set" => RedisKeyType.Set,
        "zset" => RedisKeyType.ZSet,
        "stream" => RedisKeyType.Stream,
        "none" => RedisKeyType.None,
        _ => RedisKeyType.Other,
    };

    /// <summary>The type a name denotes in any case ("HASH" is a hash), for names a user typed.</summary>
    public static RedisKeyType ParseIgnoreCase(string? name) => Parse(name?.ToLowerInvariant());

    /// <summary>Whether the type is one of the five whose values a key-level backup holds as items (all but streams and module types).</summary>
    public static bool IsLogical(this RedisKeyType type) => type is RedisKeyType.String or RedisKeyType.Hash or RedisKeyType.List or RedisKeyType.Set or RedisKeyType.ZSet;

    /// <summary>Whether the type is built in (the five logical ones and streams).</summary>
    public static bool IsBuiltIn(this RedisKeyType type) => type.IsLogical() || type == RedisKeyType.Stream;
}
