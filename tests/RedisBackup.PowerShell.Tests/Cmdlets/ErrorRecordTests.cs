using System.Management.Automation;
using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>
/// Error records as a script sees them: FullyQualifiedErrorId, category, target, and terminating or not. A cmdlet
/// stops only when its arguments are wrong; a failure of one input is non-terminating and the other inputs run.
/// </summary>
public sealed class ErrorRecordTests(LiveServers servers) : IClassFixture<LiveServers>, IDisposable
{
    private readonly TempDirectory _work = new();
    private string Catalog => _work.Combine("catalog");
    private Dictionary<string, object?> Vars => new() { ["src"] = servers.Source.Port, ["dst"] = servers.Target.Port, ["cat"] = Catalog };

    private static void AssertRecord(ErrorRecord? record, string id, ErrorCategory category, object? target)
    {
        Assert.NotNull(record);
        Assert.StartsWith(id + ",RedisBackup.PowerShell.Commands.", record.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(category, record.CategoryInfo.Category);
        Assert.Equal(target, record.TargetObject);
        Assert.DoesNotContain("--", record.Exception.Message, StringComparison.Ordinal); // no CLI flags in PowerShell errors
        Assert.DoesNotContain("..", record.Exception.Message.Replace("'../", "'", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_backup_is_non_terminating_so_ErrorAction_decides()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var free = RedisServerPorts.Unused();
        var run = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $free -CatalogPath $cat; 'went on'", variables: new Dictionary<string, object?>(Vars) { ["free"] = free });
        Assert.Null(run.Terminating);
        AssertRecord(Assert.Single(run.Errors), "RedisConnectionFailed", ErrorCategory.ConnectionError, $"redis://127.0.0.1:{free}");
        Assert.Equal("went on", run.Text);

        var silent = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $free -CatalogPath $cat -ErrorAction SilentlyContinue; $?", variables: new Dictionary<string, object?>(Vars) { ["free"] = free });
        Assert.Empty(silent.Errors);
        Assert.Equal("False", silent.Text);

        var stop = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $free -CatalogPath $cat -ErrorAction Stop; 'not reached'", variables: new Dictionary<string, object?>(Vars) { ["free"] = free });
        Assert.NotNull(stop.Terminating);
        Assert.Empty(stop.Output);
    }

    [Fact]
    public void Wrong_arguments_are_terminating()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var run = ps.Run("New-RedisBackup -Kind Snapshot -HostName 127.0.0.1 -Port $src -Match 'a*' -CatalogPath $cat; 'not reached'", variables: Vars);
        AssertRecord(run.Terminating, "KeyOptionsNeedKeyLevel", ErrorCategory.InvalidArgument, null);
        Assert.Empty(run.Output);

        ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat | Out-Null", variables: Vars).AssertClean();
        var restore = ps.Run("Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -HostName 127.0.0.1 -Port $dst -Replace -Flush -Force -Confirm:$false", variables: Vars);
        AssertRecord(restore.Terminating, "ConflictingExistingKeyPolicy", ErrorCategory.InvalidArgument, null);
    }

    [Fact]
    public void Bad_and_missing_names_are_non_terminating_everywhere()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var run = ps.Run("Get-RedisBackup -Name '../x' -CatalogPath $cat; Get-RedisBackup -Name 'missing.rdb' -CatalogPath $cat; 'went on'", variables: Vars);
        Assert.Null(run.Terminating);
        AssertRecord(run.Errors[0], "InvalidBackupName", ErrorCategory.InvalidArgument, Path.Combine(Catalog, "../x"));
        AssertRecord(run.Errors[1], "BackupNotFound", ErrorCategory.ObjectNotFound, Path.Combine(Catalog, "missing.rdb"));
        Assert.Equal("went on", run.Text);
    }

    [Fact]
    public async Task A_path_that_resolves_to_nothing_fails_alone_and_the_other_paths_still_restore()
    {
        using var ps = new PowerShellSession(location: _work.Path);
        var b = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $src -CatalogPath $cat", variables: Vars).AssertClean().Objects<BackupRecord>().Single();
        await servers.ClearTargetAsync();
        var run = ps.Run("Restore-RedisBackup -Path 'Q:\\nope.rdb', (Join-Path $cat 'missing.rdb'), (Join-Path $cat '*.nomatch'), $b -HostName 127.0.0.1 -Port $dst -Confirm:$false",
            variables: new Dictionary<string, object?>(Vars) { ["b"] = b });
        Assert.Null(run.Terminating);
        Assert.Equal(3, run.Errors.Count);
        Assert.All(run.Errors, e => Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category));
        AssertRecord(run.Errors[1], "BackupNotFound", ErrorCategory.ObjectNotFound, Path.Combine(Catalog, "missing.rdb"));
        Assert.Equal(LiveServers.SourceKeys, Assert.Single(run.Objects<RestoreResult>()).Restored);
    }

    [Fact]
    public async Task A_restore_whose_keys_fail_is_an_error_and_dollar_question_is_false()
    {
        await using var small = await RedisServer.StartAsync("--maxmemory", "2mb", "--maxmemory-policy", "noeviction");
        await using var big = await RedisServer.StartAsync();
        await using (var c = await big.ConnectAsync())
        {
            var value = new string('v', 20_000);
            for (var i = 0; i < 300; i++) await c.ExecuteAsync(CancellationToken.None, "SET", $"big:{i}", value);
        }
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?>(Vars) { ["big"] = big.Port, ["small"] = small.Port };
        var run = ps.Run("$r = New-RedisBackup -HostName 127.0.0.1 -Port $big -CatalogPath $cat | Restore-RedisBackup -HostName 127.0.0.1 -Port $small -Confirm:$false; $ok = $?; $r; $ok", variables: vars);
        var result = Assert.Single(run.Objects<RestoreResult>());
        Assert.True(result.Failed > 100, $"only {result.Failed} keys failed");
        Assert.Equal(300, result.Total);
        Assert.False((bool)run.Output[^1].BaseObject);
        var error = Assert.Single(run.Errors);
        AssertRecord(error, "RestoreIncomplete", ErrorCategory.WriteError, result.BackupPath);
        Assert.Contains($"{result.Failed:N0} of 300 keys", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("OOM", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_have_their_own_categories_and_messages_without_doubled_periods()
    {
        await using var locked = await RedisServer.StartAsync("--requirepass", "pw");
        using var ps = new PowerShellSession(location: _work.Path);
        var noAuth = ps.Run("New-RedisBackup -HostName 127.0.0.1 -Port $locked -CatalogPath $cat", variables: new Dictionary<string, object?>(Vars) { ["locked"] = locked.Port });
        AssertRecord(Assert.Single(noAuth.Errors), "RedisAuthenticationRequired", ErrorCategory.AuthenticationError, $"redis://127.0.0.1:{locked.Port}");

        await using (var admin = await servers.Source.ConnectAsync())
            await admin.ExecuteAsync(CancellationToken.None, "ACL", "SETUSER", "app", "on", ">apppw", "~*", "+@all", "-sync", "-psync");
        var noSync = ps.Run("$cred = [pscredential]::new('app', (ConvertTo-SecureString 'apppw' -AsPlainText -Force)); New-RedisBackup -Kind Snapshot -HostName 127.0.0.1 -Port $src -Credential $cred -CatalogPath $cat", variables: Vars);
        var error = Assert.Single(noSync.Errors);
        Assert.StartsWith("ReplicationRefused,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category); // NOPERM: a missing right
    }

    public void Dispose() => _work.Dispose();
}

/// <summary>A loopback port nothing listens on.</summary>
internal static class RedisServerPorts
{
    public static int Unused()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
