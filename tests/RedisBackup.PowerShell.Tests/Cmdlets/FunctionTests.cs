using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.Restore;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>
/// The cmdlets show what became of function libraries (issue 11 §4), in PowerShell 7.6 against real servers:
/// Restore-RedisBackup's result carries the counts in its Functions property and names skipped libraries as warnings,
/// a filtered restore (-Match) leaves the libraries out and says so; New-RedisBackup warns when the user may not read them.
/// </summary>
public sealed class FunctionTests : IDisposable
{
    private readonly TempDirectory _work = new();

    [Fact]
    public async Task Restore_RedisBackup_counts_libraries_and_warns_about_skipped_ones_and_New_RedisBackup_about_unreadable_ones()
    {
        await using var source = await RedisServer.StartAsync();
        await FunctionLibraryData.FillAsync(source);
        await using (var c = await source.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "ACL", "SETUSER", "reader", "on", ">pw", "~*", "+@all", "-function");
        await using var target = await RedisServer.StartAsync();
        await FunctionLibraryData.LoadAsync(target, FunctionLibraryData.OtherGreet);
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["src"] = source.Port, ["dst"] = target.Port, ["cat"] = _work.Combine("catalog"), ["limited"] = _work.Combine("limited") };

        var backup = Assert.Single(ps.Run("New-RedisBackup -Port $src -CatalogPath $cat -Confirm:$false", variables: vars).AssertClean().Objects<BackupRecord>());
        var restore = ps.Run("Restore-RedisBackup -LiteralPath $path -Port $dst -Confirm:$false",
            variables: new Dictionary<string, object?> { ["path"] = backup.Path, ["dst"] = target.Port }).AssertClean();
        var result = Assert.Single(restore.Objects<RestoreResult>());
        var functions = Assert.IsType<FunctionRestoreResult>(result.Functions);
        Assert.Equal(2, functions.Libraries);
        Assert.Equal(1, functions.Restored);
        Assert.Equal(1, functions.Skipped);
        Assert.Equal(0, functions.Failed);
        Assert.Equal(0, functions.NotSelected);
        Assert.True(result.Success);
        Assert.Equal("greet", Assert.Single(functions.SkippedLibraries));
        Assert.Contains(restore.Warnings, w => w.Contains("were left as they are (-Replace replaces them): greet", StringComparison.Ordinal));
        Assert.Equal("hi x", await FunctionLibraryData.HelloAsync(target)); // the target's own greet was kept

        var limited = ps.Run("""
            $credential = [pscredential]::new('reader', (ConvertTo-SecureString 'pw' -AsPlainText -Force))
            New-RedisBackup -Port $src -Credential $credential -CatalogPath $limited -Confirm:$false
            """, variables: vars).AssertClean();
        Assert.Single(limited.Objects<BackupRecord>());
        Assert.Contains(limited.Warnings, w => w.Contains("holds 2 function libraries", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_filtered_restore_leaves_the_libraries_out_and_says_so()
    {
        await using var source = await RedisServer.StartAsync();
        await FunctionLibraryData.FillAsync(source);
        await using var target = await RedisServer.StartAsync();
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["src"] = source.Port, ["dst"] = target.Port, ["cat"] = _work.Combine("catalog") };

        ps.Run("$null = New-RedisBackup -Port $src -CatalogPath $cat -Confirm:$false", variables: vars).AssertClean();
        var restore = ps.Run("Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -Port $dst -Match '*' -Confirm:$false", variables: vars).AssertClean();
        var result = Assert.Single(restore.Objects<RestoreResult>());
        var functions = Assert.IsType<FunctionRestoreResult>(result.Functions);
        Assert.Equal(2, functions.Libraries);
        Assert.Equal(2, functions.NotSelected);
        Assert.Equal(0, functions.Restored);
        Assert.Equal("none", functions.Method);
        Assert.True(result.Success);
        Assert.True(result.Restored > 0);
        Assert.Contains(restore.Warnings, w => w.Contains("2 function libraries were not restored: -SourceDatabase, -Match and -Type select keys", StringComparison.Ordinal));
        Assert.Empty(await FunctionLibraryData.NamesAsync(target));
    }

    [Fact]
    public async Task Libraries_that_fail_make_the_restore_an_error_as_the_CLI_exit_code_does()
    {
        await using var source = await RedisServer.StartAsync();
        await FunctionLibraryData.FillAsync(source);
        await using var target = await RedisServer.StartAsync();
        await using (var c = await target.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "ACL", "SETUSER", "restorer", "on", ">pw", "~*", "+@all", "-function");
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["src"] = source.Port, ["dst"] = target.Port, ["cat"] = _work.Combine("catalog") };

        ps.Run("$null = New-RedisBackup -Port $src -CatalogPath $cat -Confirm:$false", variables: vars).AssertClean();
        var restore = ps.Run("""
            $credential = [pscredential]::new('restorer', (ConvertTo-SecureString 'pw' -AsPlainText -Force))
            Get-RedisBackup -CatalogPath $cat | Restore-RedisBackup -Port $dst -Credential $credential -Confirm:$false
            'went on'
            """, variables: vars);
        Assert.Null(restore.Terminating);
        var error = Assert.Single(restore.Errors);
        Assert.StartsWith("RestoreIncomplete,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("2 of 2 function libraries", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("NOPERM", error.Exception.Message, StringComparison.Ordinal);
        var result = Assert.Single(restore.Objects<RestoreResult>());
        Assert.Equal((1L, 0L, 2), (result.Restored, result.Failed, result.Functions!.Failed));
        Assert.False(result.Success);
        Assert.Contains(restore.Warnings, w => w.Contains("could not be restored: NOPERM", StringComparison.Ordinal));
        Assert.Contains("went on", restore.Text, StringComparison.Ordinal);
        Assert.Empty(await FunctionLibraryData.NamesAsync(target));
    }

    public void Dispose() => _work.Dispose();
}
