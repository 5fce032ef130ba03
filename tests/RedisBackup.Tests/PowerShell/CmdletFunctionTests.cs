using System.Globalization;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.Restore;

namespace RedisBackup.Tests.PowerShell;

/// <summary>
/// The cmdlets show what became of function libraries (issue 11 §4): Restore-RedisBackup's result carries the counts in
/// its Functions property and names skipped and failed libraries as warnings; New-RedisBackup warns when the user may
/// not read them.
/// </summary>
public class CmdletFunctionTests
{
    private static string P(RedisServer server) => server.Port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Restore_RedisBackup_counts_libraries_and_warns_about_skipped_ones_and_New_RedisBackup_about_unreadable_ones()
    {
        await using var source = await RedisServer.StartAsync();
        await FunctionLibraryData.FillAsync(source);
        await using (var c = await source.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "ACL", "SETUSER", "reader", "on", ">pw", "~*", "+@all", "-function");
        await using var target = await RedisServer.StartAsync();
        await FunctionLibraryData.LoadAsync(target, FunctionLibraryData.OtherGreet);
        using var dir = new TempDirectory();

        var json = await Pwsh.JsonAsync($$"""
            $b = New-RedisBackup -Port {{P(source)}} -Path {{Pwsh.Quote(dir.Path)}} -Confirm:$false
            $r = Restore-RedisBackup -LiteralPath $b.Path -Port {{P(target)}} -Confirm:$false -WarningVariable restoreWarnings -WarningAction SilentlyContinue
            $credential = [pscredential]::new('reader', (ConvertTo-SecureString 'pw' -AsPlainText -Force))
            $null = New-RedisBackup -Port {{P(source)}} -Credential $credential -Path {{Pwsh.Quote(dir.Combine("limited"))}} -Confirm:$false -WarningVariable backupWarnings -WarningAction SilentlyContinue
            [pscustomobject]@{
                Restored = $r.Functions.Restored; Skipped = $r.Functions.Skipped; Failed = $r.Functions.Failed; Success = $r.Success
                SkippedNames = @($r.Functions.SkippedLibraries); RestoreWarnings = @($restoreWarnings | ForEach-Object { "$_" })
                BackupWarnings = @($backupWarnings | ForEach-Object { "$_" })
            } | ConvertTo-Json -Compress
            """);
        Assert.Equal(1, json.GetProperty("Restored").GetInt32());
        Assert.Equal(1, json.GetProperty("Skipped").GetInt32());
        Assert.Equal(0, json.GetProperty("Failed").GetInt32());
        Assert.True(json.GetProperty("Success").GetBoolean());
        Assert.Equal("greet", Assert.Single(json.GetProperty("SkippedNames").EnumerateArray()).GetString());
        Assert.Contains(json.GetProperty("RestoreWarnings").EnumerateArray(), w => w.GetString()!.Contains("were left as they are (-Replace replaces them): greet", StringComparison.Ordinal));
        Assert.Contains(json.GetProperty("BackupWarnings").EnumerateArray(), w => w.GetString()!.Contains("holds 2 function libraries", StringComparison.Ordinal));
        Assert.Equal("hi x", await FunctionLibraryData.HelloAsync(target));
    }
}
