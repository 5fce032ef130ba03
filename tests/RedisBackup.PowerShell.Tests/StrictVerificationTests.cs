using System.Diagnostics;
using System.Text;
using System.Text.Json;
using RedisBackup.Engine.Rdb;
using RedisBackup.PowerShell.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests;

/// <summary>
/// Test-RedisBackup on an RDB of a server newer than this version (type 40, matching CRC64), in a real pwsh with the
/// assembled module: valid at Level Partial with a warning and a Note; -Strict makes it invalid.
/// </summary>
public sealed class StrictVerificationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "redisbackup-ps-" + Guid.NewGuid().ToString("N"));

    public StrictVerificationTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>REDIS0011, one key "a", then a type-40 record, EOF and the CRC64. Returns the file and the byte of type 40.</summary>
    private static (byte[] File, int At) NewerServerFile()
    {
        var body = new MemoryStream();
        body.Write("REDIS0011"u8);
        body.Write([0xFE, 0x00, 0x00, 0x01, (byte)'a', 0x01, (byte)'1']);
        var at = (int)body.Length;
        body.Write([40, 0x01, (byte)'f', 0x03, 1, 2, 3, 0xFF]);
        var crc = Crc64.Update(0, body.ToArray());
        body.Write(BitConverter.GetBytes(crc));
        return (body.ToArray(), at);
    }

    [PwshFact]
    public async Task Test_RedisBackup_reports_a_partial_verification_and_Strict_makes_it_a_failure()
    {
        var (bytes, at) = NewerServerFile();
        var file = Path.Combine(_dir, "redis-backup-20260101-120000.rdb");
        await File.WriteAllBytesAsync(file, bytes);
        var note = $"checksum OK; structure checked to byte {at}; type 40 at byte {at} is newer than this version of RedisBackup knows";
        // The metadata a backup of this tool writes for such a snapshot.
        await File.WriteAllTextAsync(file + ".meta.json", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["formatVersion"] = 1, ["name"] = Path.GetFileName(file), ["kind"] = "snapshot", ["format"] = "rdb", ["compressed"] = false,
            ["createdAt"] = "2026-01-01T12:00:00Z", ["sizeBytes"] = bytes.Length, ["keyCount"] = 1, ["verification"] = "verified",
            ["verifiedAt"] = "2026-01-01T12:00:01Z", ["verificationLevel"] = "partial", ["verificationNote"] = note,
        }));
        var script = new StringBuilder()
            .AppendLine($"Import-Module '{Path.Combine(ModuleLayout.ModuleFolder, "RedisBackup.psd1")}' -ErrorAction Stop")
            .AppendLine($"$r = Test-RedisBackup -LiteralPath '{file}' -WarningVariable w -WarningAction SilentlyContinue")
            .AppendLine($"$s = Test-RedisBackup -LiteralPath '{file}' -Strict -WarningAction SilentlyContinue")
            .AppendLine($"$l = Get-RedisBackup -Path '{_dir}'")
            .AppendLine("$table = $l | Format-Table | Out-String -Width 80")
            .AppendLine("[pscustomobject]@{ Valid = $r.IsValid; Level = \"$($r.Level)\"; Note = $r.Note; NotChecked = @($r.NotChecked).Count; Warning = \"$w\"; StrictValid = $s.IsValid; StrictProblems = @($s.Problems).Count; Listed = \"$($l.VerificationLevel)\"; ListedNote = $l.VerificationNote; Table = $table } | ConvertTo-Json -Compress")
            .ToString();

        var output = await PwshFactAttribute.RunAsync(script);
        using var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var r = doc.RootElement;
        Assert.True(r.GetProperty("Valid").GetBoolean());
        Assert.Equal("Partial", r.GetProperty("Level").GetString());
        Assert.Equal(note, r.GetProperty("Note").GetString());
        Assert.Equal(1, r.GetProperty("NotChecked").GetInt32());
        Assert.Contains(note, r.GetProperty("Warning").GetString(), StringComparison.Ordinal);
        Assert.False(r.GetProperty("StrictValid").GetBoolean());
        Assert.Equal(1, r.GetProperty("StrictProblems").GetInt32());
        Assert.Equal("Partial", r.GetProperty("Listed").GetString());
        Assert.Equal(note, r.GetProperty("ListedNote").GetString());
        Assert.Contains("Partial", r.GetProperty("Table").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>A fact that runs a real pwsh (7.4+): skipped, with a message, on a machine without one.</summary>
public sealed class PwshFactAttribute : FactAttribute
{
    public PwshFactAttribute()
    {
        if (Locate() is null) Skip = "pwsh is not installed (looked on PATH and in ~/.dotnet/tools).";
    }

    public static string? Locate()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append(Path.Combine(home, ".dotnet", "tools")))
        {
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Runs a script in pwsh -NoProfile and returns its stdout; a non-zero exit or a timeout fails the test.</summary>
    public static async Task<string> RunAsync(string script)
    {
        var psi = new ProcessStartInfo(Locate()!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-NoProfile", "-NonInteractive", "-Command", script }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(deadline.Token);
        Assert.True(process.ExitCode == 0, $"pwsh exited {process.ExitCode}: {await stderr}\n{await stdout}");
        return await stdout;
    }
}
