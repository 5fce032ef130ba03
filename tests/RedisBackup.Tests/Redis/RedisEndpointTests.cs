using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Tests.Redis;

public class RedisEndpointTests
{
    [Theory]
    [InlineData("redis://localhost", "localhost", 6379, null, null, null, false)]
    [InlineData("redis://h:6380/3", "h", 6380, null, null, 3, false)]
    [InlineData("rediss://backup:s%40cret@cache.example:6390/0", "cache.example", 6390, "backup", "s@cret", 0, true)]
    [InlineData("redis://:pw@127.0.0.1:7000", "127.0.0.1", 7000, null, "pw", null, false)]
    [InlineData("redis://pw@10.1.2.3", "10.1.2.3", 6379, null, "pw", null, false)]
    [InlineData("redis://[::1]:6381", "::1", 6381, null, null, null, false)]
    [InlineData("redis://h/", "h", 6379, null, null, null, false)]
    public void Parses_URIs(string uri, string host, int port, string? user, string? password, int? db, bool tls)
    {
        var ep = RedisEndpoint.Parse(uri);
        Assert.Equal((host, port, user, password, db, tls), (ep.Host, ep.Port, ep.User, ep.Password, ep.Database, ep.UseTls));
    }

    [Theory]
    [InlineData("http://x")]
    [InlineData("redis://h/abc")]
    [InlineData("not a uri")]
    public void Rejects_bad_URIs_without_echoing_passwords(string uri)
    {
        var ex = Assert.Throws<RedisBackupException>(() => RedisEndpoint.Parse(uri));
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("InvalidRedisUri", ex.ErrorId);
    }

    [Theory]
    [InlineData("redis://h:6380", "redis://h:6380")]
    [InlineData("redis://h:6380/0", "redis://h:6380/0")]
    [InlineData("redis://h:6380/5", "redis://h:6380/5")]
    public void A_database_is_shown_exactly_when_one_was_given(string uri, string shown)
        => Assert.Equal(shown, RedisEndpoint.Parse(uri).ToString());

    [Fact]
    public void Password_is_never_shown_in_to_string_or_errors()
    {
        Assert.DoesNotContain("topsecret", RedisEndpoint.Parse("redis://u:topsecret@h:1/2").ToString(), StringComparison.Ordinal);
        var ex = Assert.Throws<RedisBackupException>(() => RedisEndpoint.Parse("redis://u:topsecret@h/x"));
        Assert.DoesNotContain("topsecret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_applies_overrides_and_Redis_CLI_auth()
    {
        var env = new Dictionary<string, string?> { ["REDISCLI_AUTH"] = "fromenv" };
        var ep = RedisEndpoint.Create(uri: "redis://h:1/2", port: 7001, environment: k => env.GetValueOrDefault(k));
        Assert.Equal(("h", 7001, "fromenv", 2), (ep.Host, ep.Port, ep.Password, ep.Database));

        var explicitPw = RedisEndpoint.Create(host: "x", password: "given", environment: k => env.GetValueOrDefault(k));
        Assert.Equal("given", explicitPw.Password);

        var tls = RedisEndpoint.Create(tlsCaFile: "/ca.pem", environment: _ => null);
        Assert.True(tls.UseTls);
        Assert.Null(tls.Password);

        Assert.Throws<RedisBackupException>(() => RedisEndpoint.Create(port: 70000, environment: _ => null));
    }
}
