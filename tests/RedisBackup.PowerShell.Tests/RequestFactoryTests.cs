using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Tests;

/// <summary>The mapping from cmdlet parameters to engine requests, run without PowerShell.</summary>
public sealed class RequestFactoryTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static string? Env(string name, string? value, string key) => key == name ? value : null;

    [Fact]
    public void Host_port_and_credential_make_the_endpoint()
    {
        var ep = RequestFactory.Endpoint(new ConnectionValues { HostName = "cache01", Port = 6380, UserName = "backup", Password = "s3cret" }, environment: NoEnvironment);
        Assert.Equal("cache01", ep.Host);
        Assert.Equal(6380, ep.Port);
        Assert.Equal("backup", ep.User);
        Assert.Equal("s3cret", ep.Password);
        Assert.False(ep.UseTls);
    }

    [Fact]
    public void Defaults_are_the_local_server_without_auth()
    {
        var ep = RequestFactory.Endpoint(new ConnectionValues(), environment: NoEnvironment);
        Assert.Equal("127.0.0.1", ep.Host);
        Assert.Equal(6379, ep.Port);
        Assert.Null(ep.User);
        Assert.Null(ep.Password);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("")]
    [InlineData(null)]
    public void The_default_user_authenticates_with_the_password_only(string? user)
    {
        var ep = RequestFactory.Endpoint(new ConnectionValues { UserName = user, Password = "pw" }, environment: NoEnvironment);
        Assert.Null(ep.User);
        Assert.Equal("pw", ep.Password);
    }

    [Fact]
    public void REDISCLI_AUTH_supplies_the_password_only_when_none_was_given()
    {
        var fromEnv = RequestFactory.Endpoint(new ConnectionValues(), environment: k => Env("REDISCLI_AUTH", "envpw", k));
        Assert.Equal("envpw", fromEnv.Password);
        var explicitPw = RequestFactory.Endpoint(new ConnectionValues { UserName = "u", Password = "given" }, environment: k => Env("REDISCLI_AUTH", "envpw", k));
        Assert.Equal("given", explicitPw.Password);
    }

    [Fact]
    public void A_credential_with_a_container_goes_to_the_redis_cli_inside_it()
    {
        var backup = RequestFactory.Backup(new ConnectionValues { Container = "cache", UserName = "admin", Password = "pw" }, new BackupValues(), NoEnvironment);
        Assert.Null(backup.Endpoint);
        Assert.Equal(("admin", "pw"), (backup.ContainerCredentials!.User, backup.ContainerCredentials.Password));
        var restore = RequestFactory.Restore("/b/x.rdb", new ConnectionValues { Container = "cache", UserName = "default", Password = "pw" }, new RestoreValues(), NoEnvironment);
        Assert.Null(restore.Endpoint);
        Assert.Equal((null, "pw"), (restore.ContainerCredentials!.User, restore.ContainerCredentials.Password));
        var fromEnv = RequestFactory.Restore("/b/x.rdb", new ConnectionValues { Container = "cache" }, new RestoreValues(), k => Env("REDISCLI_AUTH", "envpw", k));
        Assert.Equal("envpw", fromEnv.ContainerCredentials!.Password);
        Assert.Null(RequestFactory.Backup(new ConnectionValues { Container = "cache" }, new BackupValues(), NoEnvironment).ContainerCredentials);
        Assert.DoesNotContain("pw", backup.ContainerCredentials.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Explicit_parameters_override_the_uri()
    {
        var ep = RequestFactory.Endpoint(new ConnectionValues { Uri = "rediss://u:p@old:7000/2", HostName = "new", Port = 7001 }, environment: NoEnvironment);
        Assert.Equal(("new", 7001, "u", "p", true), (ep.Host, ep.Port, ep.User, ep.Password, ep.UseTls));
    }

    [Fact]
    public void Tls_switches_map_to_the_endpoint()
    {
        var skip = RequestFactory.Endpoint(new ConnectionValues { SkipCertificateCheck = true }, environment: NoEnvironment);
        Assert.True(skip.UseTls);
        Assert.True(skip.TlsSkipVerify);
        var ca = RequestFactory.Endpoint(new ConnectionValues { TlsCaFile = "/etc/ca.pem" }, environment: NoEnvironment);
        Assert.True(ca.UseTls);
        Assert.Equal("/etc/ca.pem", ca.TlsCaFile);
        Assert.False(ca.TlsSkipVerify);
        Assert.True(RequestFactory.Endpoint(new ConnectionValues { UseTls = true }, environment: NoEnvironment).UseTls);
    }

    [Fact]
    public void A_key_level_backup_carries_every_key_option()
    {
        var request = RequestFactory.Backup(new ConnectionValues { HostName = "h" }, new BackupValues
        {
            Directory = "/b", Databases = [0, 3], Match = "user:*", Types = ["hash", "zset"], Exact = true, Keep = 7, MaxAge = TimeSpan.FromDays(14), Label = "nightly",
        }, NoEnvironment);
        Assert.Equal(BackupKind.KeyLevel, request.Kind);
        Assert.Equal("h", request.Endpoint!.Host);
        Assert.Null(request.Container);
        Assert.Equal("/b", request.Directory);
        Assert.Equal([0, 3], request.Databases!);
        Assert.Equal("user:*", request.Match);
        Assert.Equal(["hash", "zset"], request.Types!);
        Assert.True(request.Exact);
        Assert.Equal(7, request.Keep);
        Assert.Equal(TimeSpan.FromDays(14), request.MaxAge);
        Assert.Equal("nightly", request.Label);
    }

    [Fact]
    public void Empty_filters_mean_everything()
    {
        var request = RequestFactory.Backup(new ConnectionValues(), new BackupValues { Databases = [], Types = [] }, NoEnvironment);
        Assert.Null(request.Databases);
        Assert.Null(request.Types);
    }

    [Fact]
    public void A_container_backup_is_a_snapshot_without_an_endpoint()
    {
        var request = RequestFactory.Backup(new ConnectionValues { Container = "photarium-redis" }, new BackupValues { Compress = true, Keep = 5 }, NoEnvironment);
        Assert.Equal(BackupKind.Snapshot, request.Kind);
        Assert.Equal("photarium-redis", request.Container);
        Assert.Null(request.Endpoint);
        Assert.True(request.Compress);
        Assert.Equal(5, request.Keep);
    }

    [Fact]
    public void A_snapshot_with_an_endpoint_is_a_replication_download()
    {
        var request = RequestFactory.Backup(new ConnectionValues { Uri = "redis://primary:6380" }, new BackupValues { Kind = BackupKind.Snapshot }, NoEnvironment);
        Assert.Equal(BackupKind.Snapshot, request.Kind);
        Assert.Null(request.Container);
        Assert.Equal(("primary", 6380), (request.Endpoint!.Host, request.Endpoint.Port));
    }

    [Theory]
    [InlineData(true, null, null)]
    [InlineData(false, "a*", null)]
    [InlineData(false, null, "hash")]
    public void Key_options_on_a_snapshot_are_refused(bool exact, string? match, string? type)
    {
        var ex = Assert.Throws<RedisBackupException>(() => RequestFactory.Backup(new ConnectionValues { Container = "c" },
            new BackupValues { Exact = exact, Match = match, Types = type is null ? null : [type] }, NoEnvironment));
        Assert.Equal(("KeyOptionsNeedKeyLevel", ErrorKind.InvalidArgument), (ex.ErrorId, ex.Kind));
    }

    [Fact]
    public void Container_and_endpoint_together_are_refused()
    {
        var backup = Assert.Throws<RedisBackupException>(() => RequestFactory.Backup(new ConnectionValues { Container = "c", HostName = "h" }, new BackupValues(), NoEnvironment));
        Assert.Equal("ConflictingSource", backup.ErrorId);
        var restore = Assert.Throws<RedisBackupException>(() => RequestFactory.Restore("/b/x.rdb", new ConnectionValues { Container = "c", Port = 1 }, new RestoreValues(), NoEnvironment));
        Assert.Equal("ConflictingTarget", restore.ErrorId);
    }

    [Fact]
    public void Retention_values_are_checked()
    {
        Assert.Equal("InvalidKeep", Assert.Throws<RedisBackupException>(() => RequestFactory.Backup(new ConnectionValues(), new BackupValues { Keep = 0 }, NoEnvironment)).ErrorId);
        Assert.Equal("InvalidMaxAge", Assert.Throws<RedisBackupException>(() => RequestFactory.Backup(new ConnectionValues(), new BackupValues { MaxAge = TimeSpan.Zero }, NoEnvironment)).ErrorId);
        Assert.Equal("InvalidDatabase", Assert.Throws<RedisBackupException>(() => RequestFactory.Backup(new ConnectionValues(), new BackupValues { Databases = [1, -1] }, NoEnvironment)).ErrorId);
    }

    [Fact]
    public void A_live_restore_defaults_to_skip_and_absolute_ttls()
    {
        var request = RequestFactory.Restore("/b/x.jsonl.gz", new ConnectionValues(), new RestoreValues(), NoEnvironment);
        Assert.Equal("/b/x.jsonl.gz", request.Path);
        Assert.NotNull(request.Endpoint);
        Assert.Null(request.Container);
        Assert.Equal(ExistingKeyPolicy.Skip, request.Options.ExistingKeys);
        Assert.Equal(TtlMode.Absolute, request.Options.Ttl);
        Assert.Null(request.Options.TargetDatabase);
        Assert.False(request.Options.FailFast);
        Assert.False(request.Options.RequireFieldTtl);
        Assert.False(request.SkipVerify);
    }

    [Fact]
    public void Restore_switches_map_to_options()
    {
        var replace = RequestFactory.Restore("/x", new ConnectionValues { HostName = "h" },
            new RestoreValues { Replace = true, TtlMode = TtlMode.Relative, ToDatabase = 5, FailFast = true, RequireFieldTtl = true, SkipVerify = true }, NoEnvironment);
        Assert.Equal(ExistingKeyPolicy.Replace, replace.Options.ExistingKeys);
        Assert.Equal(TtlMode.Relative, replace.Options.Ttl);
        Assert.Equal(5, replace.Options.TargetDatabase);
        Assert.True(replace.Options.FailFast);
        Assert.True(replace.Options.RequireFieldTtl);
        Assert.True(replace.SkipVerify);
        Assert.Equal(ExistingKeyPolicy.Flush, RequestFactory.Restore("/x", new ConnectionValues(), new RestoreValues { Flush = true }, NoEnvironment).Options.ExistingKeys);
    }

    [Fact]
    public void Restore_filters_map_to_options()
    {
        var filtered = RequestFactory.Restore("/x.rdb", new ConnectionValues(),
            new RestoreValues { SourceDatabases = [1, 3], Match = "user:*", Types = ["hash", "stream"] }, NoEnvironment);
        Assert.Equal([1, 3], filtered.Options.Databases);
        Assert.Equal("user:*", filtered.Options.Match);
        Assert.Equal(["hash", "stream"], filtered.Options.Types);
        Assert.True(filtered.Options.Filters);
        var none = RequestFactory.Restore("/x.rdb", new ConnectionValues(), new RestoreValues { SourceDatabases = [], Types = [] }, NoEnvironment);
        Assert.False(none.Options.Filters);
    }

    [Fact]
    public void Replace_and_flush_together_are_refused()
        => Assert.Equal("ConflictingExistingKeyPolicy", Assert.Throws<RedisBackupException>(() =>
            RequestFactory.Restore("/x", new ConnectionValues(), new RestoreValues { Replace = true, Flush = true }, NoEnvironment)).ErrorId);

    [Fact]
    public void A_container_restore_carries_the_safety_snapshot_choice()
    {
        var request = RequestFactory.Restore("/b/dump.rdb", new ConnectionValues { Container = "redis" },
            new RestoreValues { SkipSafetySnapshot = true, SafetySnapshotDirectory = "/safety" }, NoEnvironment);
        Assert.Equal("redis", request.Container);
        Assert.Null(request.Endpoint);
        Assert.True(request.SkipSafetySnapshot);
        Assert.Equal("/safety", request.SafetySnapshotDirectory);
    }

    [Fact]
    public void The_catalog_directory_is_explicit_else_REDISBACKUP_PATH_else_the_default()
    {
        Assert.Equal("/x", RequestFactory.CatalogDirectoryText("/x", k => Env("REDISBACKUP_PATH", "/env", k)));
        Assert.Equal("/env", RequestFactory.CatalogDirectoryText(null, k => Env("REDISBACKUP_PATH", "/env", k)));
        Assert.Equal("./backups/redis", RequestFactory.CatalogDirectoryText(null, NoEnvironment));
        Assert.Equal("./backups/redis", RequestFactory.CatalogDirectoryText(" ", k => Env("REDISBACKUP_PATH", "", k)));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(null, "/srv/redis-backups")]
    [InlineData("rel/catalog", "/ignored")]
    [InlineData("/abs/catalog/", null)]
    public void The_catalog_rule_is_the_engines_rule(string? path, string? env)
    {
        Func<string, string?> environment = k => Env(BackupCatalog.PathVariable, env, k);
        var ours = Path.TrimEndingDirectorySeparator(Path.GetFullPath(RequestFactory.CatalogDirectoryText(path, environment)));
        Assert.Equal(BackupCatalog.ResolveDirectory(path, environment), ours);
    }

    [Fact]
    public void A_backup_path_splits_into_catalog_and_name()
    {
        var file = Path.Combine(Path.GetTempPath(), "cat", "redis-backup-20260117-230436.rdb");
        Assert.Equal((Path.Combine(Path.GetTempPath(), "cat"), "redis-backup-20260117-230436.rdb"), RequestFactory.SplitBackupPath(file));
        Assert.Equal("InvalidBackupPath", Assert.Throws<RedisBackupException>(() => RequestFactory.SplitBackupPath(Path.GetTempPath())).ErrorId);
    }

    [Fact]
    public void A_copy_goes_into_an_existing_directory_or_to_the_named_file()
    {
        Assert.Equal(Path.Combine("/dest", "b.rdb"), RequestFactory.CopyTargetPath("b.rdb", "/dest", d => d == "/dest"));
        Assert.Equal("/dest/new.rdb", RequestFactory.CopyTargetPath("b.rdb", "/dest/new.rdb", _ => false));
        Assert.Equal(Path.Combine("/not-yet/", "b.rdb"), RequestFactory.CopyTargetPath("b.rdb", "/not-yet/", _ => false));
    }
}
