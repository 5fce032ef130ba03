using System.Text.RegularExpressions;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Redis;

/// <summary>
/// <see cref="RedisKeyType"/> is what the engine decides on (issue 12): parsed from the names a real server's TYPE
/// reports, and no type name is compared as a string anywhere else in the engine.
/// </summary>
public class RedisKeyTypeTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact(Timeout = 120_000)]
    public async Task The_names_TYPE_reports_parse_to_their_kinds()
    {
        await using var server = await RedisServer.StartAsync();
        await using var c = await server.ConnectAsync();
        await c.ExecuteAsync(None, "SET", "s", "v");
        await c.ExecuteAsync(None, "HSET", "h", "f", "v");
        await c.ExecuteAsync(None, "RPUSH", "l", "a");
        await c.ExecuteAsync(None, "SADD", "st", "a");
        await c.ExecuteAsync(None, "ZADD", "z", "1", "a");
        await c.ExecuteAsync(None, "XADD", "x", "*", "f", "v");

        (string Key, RedisKeyType Kind)[] expected =
        [
            ("s", RedisKeyType.String), ("h", RedisKeyType.Hash), ("l", RedisKeyType.List), ("st", RedisKeyType.Set),
            ("z", RedisKeyType.ZSet), ("x", RedisKeyType.Stream), ("missing", RedisKeyType.None),
        ];
        foreach (var (key, kind) in expected)
        {
            var name = (await c.ExecuteAsync(None, "TYPE", key)).AsString();
            Assert.Equal(kind, RedisKeyTypes.Parse(name));
            Assert.Equal(kind, new KeyRecord { Type = name! }.Kind);
        }
    }

    [Fact]
    public void Module_names_and_other_cases_are_other_and_the_filter_names_are_the_built_in_kinds()
    {
        Assert.Equal(RedisKeyType.Other, RedisKeyTypes.Parse("ReJSON-RL"));
        Assert.Equal(RedisKeyType.Other, RedisKeyTypes.Parse("HASH")); // TYPE reports lower case: a record's type is exact
        Assert.Equal(RedisKeyType.Other, RedisKeyTypes.Parse(null));
        Assert.Equal(RedisKeyType.Hash, RedisKeyTypes.ParseIgnoreCase("HASH"));
        Assert.Equal(RedisKeyType.Other, new KeyRecord().Kind);
        Assert.All(KeyTypeNames.BuiltIn, name => Assert.True(RedisKeyTypes.Parse(name).IsBuiltIn(), name));
        Assert.Equal(6, KeyTypeNames.BuiltIn.Select(RedisKeyTypes.Parse).Distinct().Count());
        Assert.False(RedisKeyType.Stream.IsLogical());
        Assert.True(RedisKeyType.ZSet.IsLogical());
    }

    [Fact]
    public void No_type_name_is_compared_as_a_string_in_the_engine()
    {
        // A comparison, a case label or a switch arm on a built-in type name: decisions go through RedisKeyTypes.Parse.
        var comparison = new Regex(@"(?:==|!=|\bis|\bcase|\bor)\s*""(?:string|hash|list|set|zset|stream|none)""|""(?:string|hash|list|set|zset|stream|none)""\s*(?:=>|\bor\b)|string\.Equals\([^)]*""(?:string|hash|list|set|zset|stream)""");
        var root = RepoRoot();
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src", "RedisBackup.Engine"), "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal) || relative.EndsWith("Model/RedisKeyType.cs", StringComparison.Ordinal))
                continue;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal)) continue;
                if (comparison.IsMatch(lines[i])) found.Add($"{relative}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(found.Count == 0, string.Join(Environment.NewLine, found));
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RedisBackup.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"No RedisBackup.sln above {AppContext.BaseDirectory}.");
    }
}
