using RedisBackup.Cli;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Cli;

/// <summary>The command line → engine request mapping, without a server.</summary>
public class ArgumentMappingTests
{
    private static (CliApp App, System.CommandLine.ParseResult Result) Parse(CliRun run, params string[] args)
    {
        var app = new CliApp(run.CreateHost(new StringWriter(), new StringWriter()));
        var result = app.Parse(args);
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => e.Message)));
        return (app, result);
    }

    private static BackupRequest Backup(CliRun run, List<string> warnings, params string[] args)
    {
        var (app, result) = Parse(run, ["backup", .. args]);
        return app.Backup.ToRequest(result, warnings);
    }

    private static RestoreRequest Restore(CliRun run, List<string> warnings, params string[] args)
    {
        var (app, result) = Parse(run, ["restore", .. args]);
        return app.Restore.ToRequest(result, warnings);
    }

    [Fact]
    public void Backup_defaults_to_a_key_level_export_of_localhost_into_the_default_catalog()
    {
        using var cwd = new TempDirectory();
        var warnings = new List<string>();
        var request = Backup(new CliRun(), warnings, "--dir", cwd.Path);

        Assert.Equal(BackupKind.KeyLevel, request.Kind);
        Assert.NotNull(request.Endpoint);
        Assert.Equal("127.0.0.1", request.Endpoint!.Host);
        Assert.Equal(6379, request.Endpoint.Port);
        Assert.Null(request.Endpoint.Password);
        Assert.Null(request.Container);
        Assert.Equal(cwd.Path, request.Directory);
        Assert.Null(request.Databases);
        Assert.Null(request.Types);
        Assert.Null(request.Match);
        Assert.False(request.Exact);
        Assert.Null(request.Keep);
        Assert.Null(request.MaxAge);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Backup_maps_every_key_option()
    {
        using var dir = new TempDirectory();
        var request = Backup(new CliRun(), [], "--host", "cache.local", "--port", "6390", "--user", "backup", "--db", "0", "--db", "3",
            "--match", "user:*", "--type", "hash", "--type", "stream", "--exact", "--dir", dir.Path, "--keep", "5", "--max-age", "7d");

        Assert.Equal("cache.local", request.Endpoint!.Host);
        Assert.Equal(6390, request.Endpoint.Port);
        Assert.Equal("backup", request.Endpoint.User);
        Assert.Equal([0, 3], request.Databases);
        Assert.Equal("user:*", request.Match);
        Assert.Equal(["hash", "stream"], request.Types);
        Assert.True(request.Exact);
        Assert.Equal(dir.Path, request.Directory);
        Assert.Equal(5, request.Keep);
        Assert.Equal(TimeSpan.FromDays(7), request.MaxAge);
    }

    [Fact]
    public void Backup_accepts_the_seed_scripts_equals_form()
    {
        using var dir = new TempDirectory();
        var request = Backup(new CliRun(), [], $"--dir={dir.Path}", "--keep=10", "--container=photarium-redis", "--quiet", "--dry-run");
        Assert.Equal(dir.Path, request.Directory);
        Assert.Equal(10, request.Keep);
        Assert.Equal("photarium-redis", request.Container);
    }

    [Fact]
    public void Container_implies_an_rdb_snapshot_without_an_endpoint()
    {
        using var dir = new TempDirectory();
        var request = Backup(new CliRun(), [], "--container", "redis1", "--compress", "--dir", dir.Path);
        Assert.Equal(BackupKind.Snapshot, request.Kind);
        Assert.Equal("redis1", request.Container);
        Assert.Null(request.Endpoint);
        Assert.True(request.Compress);
    }

    [Fact]
    public void Kind_rdb_with_a_host_is_a_replication_snapshot()
    {
        using var dir = new TempDirectory();
        var request = Backup(new CliRun(), [], "--kind", "rdb", "--host", "10.0.0.5", "--dir", dir.Path);
        Assert.Equal(BackupKind.Snapshot, request.Kind);
        Assert.Null(request.Container);
        Assert.Equal("10.0.0.5", request.Endpoint!.Host);
    }

    [Fact]
    public void Key_selection_options_with_an_rdb_snapshot_are_an_invalid_argument()
    {
        using var dir = new TempDirectory();
        var ex = Assert.Throws<RedisBackupException>(() => Backup(new CliRun(), [], "--kind", "rdb", "--match", "a*", "--dir", dir.Path));
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
    }

    [Fact]
    public void Password_comes_from_REDISCLI_AUTH_through_the_shared_endpoint_rules()
    {
        using var dir = new TempDirectory();
        var run = new CliRun();
        run.Environment["REDISCLI_AUTH"] = "from-env";
        var warnings = new List<string>();
        var request = Backup(run, warnings, "--dir", dir.Path);
        Assert.Equal("from-env", request.Endpoint!.Password);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Password_option_wins_over_REDISCLI_AUTH_and_warns_that_it_is_visible()
    {
        using var dir = new TempDirectory();
        var run = new CliRun();
        run.Environment["REDISCLI_AUTH"] = "from-env";
        var warnings = new List<string>();
        var request = Backup(run, warnings, "--password", "s3cret", "--dir", dir.Path);
        Assert.Equal("s3cret", request.Endpoint!.Password);
        Assert.Contains(warnings, w => w.Contains("visible to other users", StringComparison.Ordinal));
    }

    [Fact]
    public void Values_starting_with_at_are_literal_not_response_files()
    {
        using var dir = new TempDirectory();
        var request = Backup(new CliRun(), [], "--password", "@secret", "--match", "@users:*", "--dir", dir.Path);
        Assert.Equal("@secret", request.Endpoint!.Password);
        Assert.Equal("@users:*", request.Match);
    }

    [Fact]
    public void Password_stdin_reads_the_first_line_without_a_warning()
    {
        using var dir = new TempDirectory();
        var run = new CliRun { StdIn = "pa ss:word\nignored\n" };
        var warnings = new List<string>();
        var request = Backup(run, warnings, "--password-stdin", "--dir", dir.Path);
        Assert.Equal("pa ss:word", request.Endpoint!.Password);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Uri_sets_host_port_user_password_and_tls_and_explicit_options_override_it()
    {
        using var dir = new TempDirectory();
        var warnings = new List<string>();
        var request = Backup(new CliRun(), warnings, "--uri", "rediss://ops:pw@db.example:6400/2", "--port", "6401", "--tls-ca", "/etc/ca.pem", "--dir", dir.Path);
        var ep = request.Endpoint!;
        Assert.Equal("db.example", ep.Host);
        Assert.Equal(6401, ep.Port);
        Assert.Equal("ops", ep.User);
        Assert.Equal("pw", ep.Password);
        Assert.True(ep.UseTls);
        Assert.Equal("/etc/ca.pem", ep.TlsCaFile);
        Assert.Contains(warnings, w => w.Contains("--uri", StringComparison.Ordinal));
    }

    [Fact]
    public void Tls_flags_map_to_the_endpoint()
    {
        using var dir = new TempDirectory();
        var request = Backup(new CliRun(), [], "--tls", "--tls-skip-verify", "--tls-server-name", "redis.internal", "--dir", dir.Path);
        Assert.True(request.Endpoint!.UseTls);
        Assert.True(request.Endpoint.TlsSkipVerify);
        Assert.Equal("redis.internal", request.Endpoint.TlsServerName);
    }

    [Fact]
    public void REDISBACKUP_PATH_from_the_environment_is_the_default_directory()
    {
        using var dir = new TempDirectory();
        var run = new CliRun();
        run.Environment["REDISBACKUP_PATH"] = dir.Path;
        Assert.Equal(dir.Path, Backup(run, []).Directory);
    }

    [Fact]
    public void Restore_defaults_skip_existing_keys_with_absolute_ttls()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("some.jsonl.gz");
        File.WriteAllText(file, "x");
        var request = Restore(new CliRun(), [], file, "--port", "6390");

        Assert.Equal(file, request.Path);
        Assert.Equal(6390, request.Endpoint!.Port);
        Assert.Null(request.Container);
        Assert.Equal(ExistingKeyPolicy.Skip, request.Options.ExistingKeys);
        Assert.Equal(TtlMode.Absolute, request.Options.Ttl);
        Assert.Null(request.Options.TargetDatabase);
        Assert.False(request.Options.FailFast);
        Assert.False(request.SkipVerify);
        Assert.False(request.SkipSafetySnapshot);
    }

    [Fact]
    public void Restore_maps_every_option()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("a.rdb");
        File.WriteAllText(file, "x");
        var request = Restore(new CliRun(), [], file, "--replace", "--ttl", "relative", "--to-db", "4", "--fail-fast", "--skip-verify", "--host", "h1");
        Assert.Equal(ExistingKeyPolicy.Replace, request.Options.ExistingKeys);
        Assert.Equal(TtlMode.Relative, request.Options.Ttl);
        Assert.Equal(4, request.Options.TargetDatabase);
        Assert.True(request.Options.FailFast);
        Assert.True(request.SkipVerify);
        Assert.Equal("h1", request.Endpoint!.Host);

        var flush = Restore(new CliRun(), [], file, "--flush", "--yes");
        Assert.Equal(ExistingKeyPolicy.Flush, flush.Options.ExistingKeys);
    }

    [Fact]
    public void Restore_into_a_container_has_no_endpoint_and_takes_the_safety_snapshot_into_dir()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("a.rdb");
        File.WriteAllText(file, "x");
        var request = Restore(new CliRun(), [], file, "--container", "redis1", "--dir", dir.Path, "--no-safety-snapshot");
        Assert.Null(request.Endpoint);
        Assert.Equal("redis1", request.Container);
        Assert.Equal(dir.Path, request.SafetySnapshotDirectory);
        Assert.True(request.SkipSafetySnapshot);
    }

    [Fact]
    public void Replace_and_flush_together_are_an_invalid_argument()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("a.rdb");
        File.WriteAllText(file, "x");
        var ex = Assert.Throws<RedisBackupException>(() => Restore(new CliRun(), [], file, "--replace", "--flush"));
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("ConflictingExistingKeyPolicy", ex.ErrorId); // one id for the conflict in both fronts (was ConflictingExistingKeyOptions here)
    }

    [Fact]
    public void A_bare_name_with_dir_is_looked_up_in_that_catalog()
    {
        using var dir = new TempDirectory();
        var ex = Assert.Throws<RedisBackupException>(() => Restore(new CliRun(), [], "redis-backup-20200101-000000.rdb", "--dir", dir.Path));
        Assert.Equal(ErrorKind.NotFound, ex.Kind);
    }

    [Fact]
    public void List_maps_its_filters()
    {
        using var dir = new TempDirectory();
        var (app, result) = Parse(new CliRun(), "list", "--dir", dir.Path, "--kind", "rdb", "--name", "redis-*", "--latest", "3");
        var query = app.List.ToQuery(result);
        Assert.Equal(dir.Path, query.Directory);
        Assert.Equal(BackupKind.Snapshot, query.Kind);
        Assert.Equal("redis-*", query.Name);
        Assert.Equal(3, query.Latest);
    }
}
