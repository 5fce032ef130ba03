using System.Globalization;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Cli;

/// <summary>redis-backup restore of hash field TTLs into a server that cannot keep them: shown, counted, or refused.</summary>
public class FieldTtlCliTests
{
    private static string P(RedisServer server) => server.Port.ToString(CultureInfo.InvariantCulture);

    [ServerFact("redis-7.4")]
    public async Task Lost_field_TTLs_are_counted_in_JSON_and_shown_in_human_output_and_require_field_TTL_refuses()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        await KeyFiles.RunAsync(source, 0, "HSET", "session:1", "token", "t", "user", "ada");
        await KeyFiles.RunAsync(source, 0, "HPEXPIRE", "session:1", 600_000, "FIELDS", 1, "token");
        await KeyFiles.RunAsync(source, 0, "SET", "plain", "v");
        using var dir = new TempDirectory();
        var backup = await new CliRun().RunAsync("backup", "--port", P(source), "--dir", dir.Path, "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var path = backup.Json().GetProperty("path").GetString()!;

        await using var target = await RedisServer.StartAsync(); // Redis 7.0: no hash field expiration

        var refused = await new CliRun().RunAsync("restore", path, "--port", P(target), "--require-field-ttl", "--json");
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Equal("FieldTtlNotSupported", refused.Json().GetProperty("error").GetProperty("id").GetString());
        Assert.Equal(0, await ServerComparison.DbSizeAsync(target, 0));

        var json = await new CliRun().RunAsync("restore", path, "--port", P(target), "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var result = json.Json();
        Assert.Equal(2, result.GetProperty("restored").GetInt64());
        Assert.Equal(1, result.GetProperty("fieldTtlsLost").GetInt64());
        Assert.Equal(0, result.GetProperty("fieldTtlsKept").GetInt64());
        Assert.Equal(1, result.GetProperty("keysWithWarnings").GetInt64());
        var warning = Assert.Single(result.GetProperty("warnings").EnumerateArray());
        Assert.Equal("session:1", warning.GetProperty("key").GetString());
        Assert.Contains("1 hash field TTLs were not kept", json.Stderr);

        var human = await new CliRun().RunAsync("restore", path, "--port", P(target), "--replace");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("Hash field TTLs: 0 kept, 1 lost", human.Stdout);
        Assert.Contains("warning: 1 hash field TTLs were not kept", human.Stderr);
        Assert.Contains("key 'session:1' (db 0)", human.Stderr);
        Assert.Equal("ada", (await KeyFiles.RunAsync(target, 0, "HGET", "session:1", "user")).AsString());
        Assert.Equal("t", (await KeyFiles.RunAsync(target, 0, "HGET", "session:1", "token")).AsString());

        // Into Redis 7.4 the TTL is kept, and said so.
        await using var modern = await RedisServer.StartVersionAsync("redis-7.4");
        var kept = await new CliRun().RunAsync("restore", path, "--port", P(modern), "--require-field-ttl");
        Assert.True(kept.ExitCode == 0, kept.ToString());
        Assert.Contains("Hash field TTLs: 1 kept, 0 lost", kept.Stdout);
        Assert.DoesNotContain("warning", kept.Stderr);
    }
}
