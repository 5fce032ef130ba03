using System.Formats.Tar;
using RedisBackup.Engine.Docker;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Tests.Docker;

/// <summary>Reading redis-server's settings as it does, and the tar entries a container restore sends (no engine needed).</summary>
public sealed class ContainerSettingsTests
{
    [Fact]
    public void A_config_file_is_split_as_redis_server_splits_it()
    {
        var directives = RedisConfigText.ParseFile(
            "# comment\n  \nDir /var/lib/redis\ndbfilename \"my dump.rdb\"\nsave \"\"\nrequirepass 'it\\'s'\nappendonly yes\nrename-command CONFIG \"\\x41B\\n\"\ninclude /etc/redis/extra.conf\n");
        Assert.Equal(["dir", "dbfilename", "save", "requirepass", "appendonly", "rename-command", "include"], directives.Select(d => d.Name));
        Assert.Equal(["/var/lib/redis"], directives[0].Args);
        Assert.Equal(["my dump.rdb"], directives[1].Args);
        Assert.Equal([""], directives[2].Args);
        Assert.Equal(["it's"], directives[3].Args);
        Assert.Equal(["CONFIG", "AB\n"], directives[5].Args);
        Assert.Throws<FormatException>(() => RedisConfigText.ParseFile("dir \"/data\n"));
        Assert.Null(RedisConfigText.SplitArgs("dir \"/data\"x"));
    }

    [Fact]
    public void The_command_line_gives_the_config_file_then_options_that_win()
    {
        var (file, options) = RedisConfigText.ParseCommandLine(["/etc/redis.conf", "--save", "", "--appendonly", "yes", "--save", "900", "1", "--DIR", "/data"]);
        Assert.Equal("/etc/redis.conf", file);
        Assert.Equal(["save", "appendonly", "save", "dir"], options.Select(o => o.Name));
        Assert.Equal(["900", "1"], options[2].Args);
        var (none, only) = RedisConfigText.ParseCommandLine(["--port", "7000"]);
        Assert.Null(none);
        Assert.Equal("port", Assert.Single(only).Name);
    }

    [Fact]
    public void The_server_arguments_are_found_behind_an_entrypoint()
    {
        Assert.Equal(["--dir", "/data"], ContainerStartupConfig.ServerArguments(["redis-server", "--dir", "/data"]));
        Assert.Equal(["/usr/local/etc/redis/redis.conf"], ContainerStartupConfig.ServerArguments(["/usr/local/bin/docker-entrypoint.sh", "redis-server", "/usr/local/etc/redis/redis.conf"]));
        Assert.Equal(["--appendonly", "yes"], ContainerStartupConfig.ServerArguments(["docker-entrypoint.sh", "--appendonly", "yes"]));
        Assert.Equal(["--port", "7000"], ContainerStartupConfig.ServerArguments(["/opt/valkey/bin/valkey-server", "--port", "7000"]));
    }

    [Fact]
    public void A_wrapper_script_leaves_the_settings_unknown()
    {
        Assert.Null(ContainerStartupConfig.ServerArguments(["/opt/bitnami/scripts/redis/entrypoint.sh", "/opt/bitnami/scripts/redis/run.sh"]));
        Assert.Null(ContainerStartupConfig.ServerArguments(["sh", "-c", "redis-server --appendonly yes"]));
    }

    [Fact]
    public void Relative_and_default_paths_resolve_against_the_working_directory()
    {
        var config = new ContainerStartupConfig { Known = true, WorkingDir = "/data", Values = new Dictionary<string, string> { ["dir"] = "./" } };
        Assert.Equal("/data", config.DataDirectory);
        Assert.Equal("dump.rdb", config.DbFileName);
        Assert.False(config.AppendOnly);
        Assert.Equal("/srv/redis", (config with { Values = new Dictionary<string, string> { ["dir"] = "/srv/redis", ["appendonly"] = "YES" } }).DataDirectory);
        Assert.True((config with { Values = new Dictionary<string, string> { ["appendonly"] = "YES" } }).AppendOnly);
    }

    [Fact]
    public async Task The_archive_holds_a_file_of_the_announced_size_and_hard_links_to_it()
    {
        var data = new byte[70_000];
        Random.Shared.NextBytes(data);
        using var content = new ArchiveContent(
        [
            ArchiveEntry.File("dump.rdb.redis-backup-incoming", new MemoryStream(data), data.Length, (UnixFileMode)0x180, 999, 998),
            ArchiveEntry.HardLink("dump.rdb.redis-backup-previous", "dump.rdb", (UnixFileMode)0x1A4, 999, 998),
            ArchiveEntry.Empty("stale", (UnixFileMode)0x180, 0, 0),
        ], null);
        using var tar = new MemoryStream();
        await content.CopyToAsync(tar);
        Assert.Equal(0, tar.Length % 512);
        tar.Position = 0;

        var reader = new TarReader(tar);
        var file = (await reader.GetNextEntryAsync(copyData: true))!;
        Assert.Equal(("dump.rdb.redis-backup-incoming", TarEntryType.RegularFile, 999, 998, (UnixFileMode)0x180), (file.Name, file.EntryType, file.Uid, file.Gid, file.Mode));
        using (var read = new MemoryStream())
        {
            await file.DataStream!.CopyToAsync(read);
            Assert.Equal(data, read.ToArray());
        }
        var link = (await reader.GetNextEntryAsync())!;
        Assert.Equal(("dump.rdb.redis-backup-previous", TarEntryType.HardLink, "dump.rdb"), (link.Name, link.EntryType, link.LinkName));
        var empty = (await reader.GetNextEntryAsync())!;
        Assert.Equal(0, empty.Length);
        Assert.Null(await reader.GetNextEntryAsync());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), content.Sha256);
    }

    [Fact]
    public async Task A_source_shorter_or_longer_than_announced_ends_the_upload_before_the_entry_is_complete()
    {
        foreach (var (actual, announced) in new[] { (1000, 1500), (1500, 1000) })
        {
            using var content = new ArchiveContent([ArchiveEntry.File("dump.rdb.redis-backup-incoming", new MemoryStream(new byte[actual]), announced, (UnixFileMode)0x180, 0, 0)], null);
            using var tar = new MemoryStream();
            var ex = await Assert.ThrowsAsync<RedisBackupException>(() => content.CopyToAsync(tar));
            Assert.Equal("ArchiveSourceChanged", ex.ErrorId);
            Assert.True(tar.Length < 512 + announced, "the entry was completed");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    public void Names_that_are_not_plain_file_names_are_refused(string name)
    {
        var ex = Assert.Throws<RedisBackupException>(() => ArchiveContent.Validate([ArchiveEntry.Empty(name, 0, 0, 0)]));
        Assert.Equal("ContainerFileNameInvalid", ex.ErrorId);
    }

    [Fact]
    public void Credentials_take_REDISCLI_AUTH_only_when_no_password_is_given_and_never_show_it()
    {
        Assert.Null(ContainerCredentials.Create(null, null, _ => null));
        Assert.Equal("env", ContainerCredentials.Create(null, null, n => n == "REDISCLI_AUTH" ? "env" : null)!.Password);
        var given = ContainerCredentials.Create("default", "given", n => n == "REDISCLI_AUTH" ? "env" : null)!;
        Assert.Equal((null, "given"), (given.User, given.Password));
        Assert.DoesNotContain("given", given.ToString(), StringComparison.Ordinal);
    }
}
