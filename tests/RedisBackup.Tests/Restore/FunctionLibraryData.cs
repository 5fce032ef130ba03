using System.Text;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Restore;

/// <summary>Two function libraries (Redis 7.0+, Valkey) for the function tests, and how to compare them between servers.</summary>
internal static class FunctionLibraryData
{
    private static CancellationToken None => CancellationToken.None;

    public const string Counters = """
        #!lua name=counters
        local function incr_by(keys, args)
          return redis.call('INCRBY', keys[1], args[1])
        end
        redis.register_function('incr_by', incr_by)
        redis.register_function{function_name='peek', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}}
        """;

    public const string Greet = """
        #!lua name=greet
        redis.register_function('hello', function(keys, args) return 'hello ' .. args[1] end)
        """;

    /// <summary>Another library named greet, with other code: what a target may already have.</summary>
    public const string OtherGreet = """
        #!lua name=greet
        redis.register_function('hello', function(keys, args) return 'hi ' .. args[1] end)
        """;

    /// <summary>A library of its own name that registers the function name greet uses.</summary>
    public const string Clash = """
        #!lua name=clash
        redis.register_function('hello', function(keys, args) return 'clash' end)
        """;

    public const string Unrelated = """
        #!lua name=unrelated
        redis.register_function('noop', function(keys, args) return 0 end)
        """;

    public static async Task LoadAsync(RedisServer server, params string[] libraries)
    {
        await using var c = await server.ConnectAsync();
        foreach (var code in libraries) await c.ExecuteAsync(None, "FUNCTION", "LOAD", code);
    }

    /// <summary>Loads both libraries and a key that uses them.</summary>
    public static async Task FillAsync(RedisServer server)
    {
        await LoadAsync(server, Counters, Greet);
        await using var c = await server.ConnectAsync();
        await c.ExecuteAsync(None, "SET", "counter", "41");
    }

    /// <summary>FUNCTION LIST WITHCODE as comparable text: one line per library, sorted by name (the server lists them in hash order).</summary>
    public static async Task<string> ListAsync(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        var reply = await c.ExecuteAsync(None, "FUNCTION", "LIST", "WITHCODE");
        return string.Join("\n", reply.AsArray().Select(Library).Order(StringComparer.Ordinal));
    }

    /// <summary>One library of FUNCTION LIST (name/value pairs) as text, its functions sorted (the server lists them in hash order).</summary>
    private static string Library(RespValue library)
    {
        var fields = library.AsArray();
        var parts = new List<string>();
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            var name = Text(fields[i]);
            var value = name == "functions"
                ? "[" + string.Join(",", fields[i + 1].AsArray().Select(Text).Order(StringComparer.Ordinal)) + "]"
                : Text(fields[i + 1]);
            parts.Add(name + "=" + value);
        }
        return string.Join(";", parts);
    }

    /// <summary>The library names FUNCTION LIST gives, sorted.</summary>
    public static async Task<string[]> NamesAsync(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        var reply = await c.ExecuteAsync(None, "FUNCTION", "LIST");
        var names = new List<string>();
        foreach (var library in reply.AsArray())
        {
            var fields = library.AsArray();
            for (var i = 0; i + 1 < fields.Length; i += 2)
                if (fields[i].AsString() == "library_name") names.Add(fields[i + 1].AsString()!);
        }
        return [.. names.Order(StringComparer.Ordinal)];
    }

    /// <summary>The functions work on <paramref name="server"/>: FCALL of each, against the key they use.</summary>
    public static async Task AssertCallableAsync(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        Assert.Equal("hello world", (await c.ExecuteAsync(None, "FCALL", "hello", 0, "world")).AsString());
        var before = long.Parse((await c.ExecuteAsync(None, "FCALL", "peek", 1, "counter")).AsString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(before + 1, (await c.ExecuteAsync(None, "FCALL", "incr_by", 1, "counter", 1)).AsInt64());
    }

    public static async Task<string> HelloAsync(RedisServer server)
    {
        await using var c = await server.ConnectAsync();
        return (await c.ExecuteAsync(None, "FCALL", "hello", 0, "x")).AsString()!;
    }

    private static string Text(RespValue value) => value.Type switch
    {
        RespType.Array => "[" + string.Join(",", value.AsArray().Select(Text)) + "]",
        RespType.Integer => value.Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RespType.Null => "nil",
        _ => Encoding.UTF8.GetString(value.Bytes ?? []),
    };
}
