using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RedisBackup.PowerShell.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests;

/// <summary>
/// Convert-RedisBackup, Get-RedisBackupContent and Restore-RedisBackup's -SourceDatabase/-Match/-Type in a real pwsh
/// with the assembled module, on the real old RDB files of ../shared/testdata and a real redis-server.
/// </summary>
public sealed class DecodeCmdletTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "redisbackup-ps-" + Guid.NewGuid().ToString("N"));

    public DecodeCmdletTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Asset(string name)
    {
        var root = Environment.GetEnvironmentVariable("REDISBACKUP_TESTDATA");
        if (string.IsNullOrEmpty(root))
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && string.IsNullOrEmpty(root); dir = dir.Parent)
                foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "testdata"), Path.Combine(dir.FullName, "..", "shared", "testdata") })
                    if (Directory.Exists(candidate)) root = candidate;
        return Path.Combine(root ?? throw new DirectoryNotFoundException("../shared/testdata was not found; set REDISBACKUP_TESTDATA."), "redis-7.2.6-assets", name);
    }

    [PwshFact]
    public async Task Convert_and_content_and_restore_filters_work_in_PowerShell()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var psi = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _dir })
            psi.ArgumentList.Add(a);
        using var server = Process.Start(psi)!;
        try
        {
            var catalog = Path.Combine(_dir, "catalog");
            var script = new StringBuilder()
                .AppendLine($"Import-Module '{Path.Combine(ModuleLayout.ModuleFolder, "RedisBackup.psd1")}' -ErrorAction Stop")
                .AppendLine("for ($i = 0; $i -lt 50; $i++) { try { $t = [System.Net.Sockets.TcpClient]::new('127.0.0.1', " + port + "); $t.Dispose(); break } catch { Start-Sleep -Milliseconds 100 } }")
                .AppendLine($"$plan = Convert-RedisBackup -LiteralPath '{Asset("encodings.rdb")}' -Destination '{catalog}' -WhatIf")
                .AppendLine($"$c = Convert-RedisBackup -LiteralPath '{Asset("encodings.rdb")}' -Destination '{catalog}' -Confirm:$false")
                .AppendLine($"$content = Get-RedisBackupContent -LiteralPath '{Asset("encodings.rdb")}' -Top 3")
                .AppendLine("$fromConverted = $c | Get-RedisBackupContent")
                .AppendLine("$table = $content | Format-Table | Out-String -Width 80")
                .AppendLine($"$r = Restore-RedisBackup -LiteralPath '{Asset("encodings.rdb")}' -Port {port} -Type list -Match '*zipped*' -SourceDatabase 0 -TtlMode Relative -Confirm:$false")
                .AppendLine("[pscustomobject]@{ Planned = ($null -eq $plan); Source = $c.Source; Keys = $c.KeyCount; Verification = \"$($c.Verification)\"; " +
                            "ContentKeys = $content.Keys; Biggest = @($content.BiggestKeys).Count; Types = ($content.Databases[0].Types.Keys | Sort-Object) -join ','; " +
                            "ConvertedKeys = $fromConverted.Keys; Table = $table; Restored = $r.Restored; NotSelected = $r.NotSelected; Replayed = $r.Replayed } | ConvertTo-Json -Compress")
                .ToString();
            var output = await PwshFactAttribute.RunAsync(script);
            using var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
            var r = doc.RootElement;
            Assert.True(r.GetProperty("Planned").GetBoolean());
            Assert.Equal("converted:encodings.rdb", r.GetProperty("Source").GetString());
            Assert.Equal(13, r.GetProperty("Keys").GetInt64());
            Assert.Equal("Verified", r.GetProperty("Verification").GetString());
            Assert.Equal(13, r.GetProperty("ContentKeys").GetInt64());
            Assert.Equal(3, r.GetProperty("Biggest").GetInt32());
            Assert.Equal("hash,list,set,string,zset", r.GetProperty("Types").GetString());
            Assert.Equal(13, r.GetProperty("ConvertedKeys").GetInt64());
            var table = r.GetProperty("Table").GetString()!;
            Assert.Contains("encodings.rdb", table, StringComparison.Ordinal);
            Assert.All(table.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 80, line));
            Assert.Equal(1, r.GetProperty("Restored").GetInt64()); // list_zipped
            Assert.Equal(12, r.GetProperty("NotSelected").GetInt64());
            Assert.Equal(0, r.GetProperty("Replayed").GetInt64());
            Assert.Single(Directory.GetFiles(catalog, "*-converted.jsonl.gz"));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }
}
