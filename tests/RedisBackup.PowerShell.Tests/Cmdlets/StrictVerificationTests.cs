using System.Text.Json;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;
using RedisBackup.PowerShell.Tests.Infrastructure;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests.Cmdlets;

/// <summary>
/// Test-RedisBackup and Get-RedisBackup on an RDB of a server newer than this version (type 40, matching CRC64), in
/// PowerShell 7.6: valid at Level Partial with a warning and a Note, -Strict makes it invalid, and the views say so.
/// </summary>
public sealed class StrictVerificationTests : IDisposable
{
    private readonly TempDirectory _work = new();
    private string Catalog => _work.Combine("catalog");

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

    [Fact]
    public async Task A_partial_verification_is_valid_with_a_warning_Strict_makes_it_a_failure_and_the_views_show_it()
    {
        var (bytes, at) = NewerServerFile();
        Directory.CreateDirectory(Catalog);
        var file = Path.Combine(Catalog, "redis-backup-20260101-120000.rdb");
        await File.WriteAllBytesAsync(file, bytes);
        var note = $"checksum OK; structure checked to byte {at}; type 40 at byte {at} is newer than this version of RedisBackup knows";
        // The metadata a backup of this tool writes for such a snapshot.
        await File.WriteAllTextAsync(file + ".meta.json", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["formatVersion"] = 1, ["name"] = Path.GetFileName(file), ["kind"] = "snapshot", ["format"] = "rdb", ["compressed"] = false,
            ["createdAt"] = "2026-01-01T12:00:00Z", ["sizeBytes"] = bytes.Length, ["keyCount"] = 1, ["verification"] = "verified",
            ["verifiedAt"] = "2026-01-01T12:00:01Z", ["verificationLevel"] = "partial", ["verificationNote"] = note,
        }));
        using var ps = new PowerShellSession(location: _work.Path);
        var vars = new Dictionary<string, object?> { ["file"] = file, ["cat"] = Catalog };

        var tested = ps.Run("Test-RedisBackup -LiteralPath $file", variables: vars).AssertClean();
        var r = Assert.Single(tested.Objects<VerifyResult>());
        Assert.True(r.IsValid);
        Assert.Equal((VerificationLevel?)VerificationLevel.Partial, r.Level);
        Assert.Equal(note, r.Note);
        Assert.Single(r.NotChecked);
        Assert.Contains(note, Assert.Single(tested.Warnings), StringComparison.Ordinal);
        Assert.Equal($"{Path.GetFileName(file)}: valid in part ({note})", r.ToString());

        var strict = ps.Run("Test-RedisBackup -LiteralPath $file -Strict", variables: vars).AssertClean();
        var s = Assert.Single(strict.Objects<VerifyResult>());
        Assert.False(s.IsValid);
        Assert.Single(s.Problems);

        var listed = Assert.Single(ps.Run("Get-RedisBackup -CatalogPath $cat", variables: vars).AssertClean().Objects<BackupRecord>());
        Assert.Equal((VerificationLevel?)VerificationLevel.Partial, listed.VerificationLevel);
        Assert.Equal(note, listed.VerificationNote);

        foreach (var width in new[] { 80, 120 })
        {
            var table = ps.Run($"Get-RedisBackup -CatalogPath $cat | Out-String -Width {width}", variables: vars).AssertClean().Text.Split('\n');
            Assert.Contains(table, l => l.Contains(" Partial ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" " + Path.GetFileName(file), StringComparison.Ordinal));
            var verify = ps.Run($"Test-RedisBackup -LiteralPath $file -WarningAction SilentlyContinue | Out-String -Width {width}", variables: vars).AssertClean().Text;
            Assert.Contains(verify.Split('\n'), l => l.TrimStart().StartsWith("part ", StringComparison.Ordinal));
            Assert.Contains("notallchecked:" + note.Replace(" ", "", StringComparison.Ordinal), string.Concat(verify.Where(ch => !char.IsWhiteSpace(ch))), StringComparison.Ordinal);
            Assert.All(verify.Split('\n'), l => Assert.True(l.TrimEnd().Length <= width));
        }
    }

    public void Dispose() => _work.Dispose();
}
