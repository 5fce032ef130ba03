using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Restore;

/// <summary>
/// The restore's fast check trusts a sidecar only when it is sealed with the user's own key (issue 9, "also seen"): a
/// sidecar edited to match a truncated file gets the full walk, and the file is refused before any key is written.
/// </summary>
public class SealedSidecarTests
{
    private const int Keys = 20_007;

    private static async Task<(RedisServer Source, BackupRecord Backup)> BackupAsync(TempDirectory dir)
    {
        var source = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", Keys.ToString(CultureInfo.InvariantCulture), "key", "64");
        var outcome = await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path });
        return (source, outcome.Backup);
    }

    private static JsonObject Sidecar(string backupPath) => JsonNode.Parse(File.ReadAllText(backupPath + ".meta.json"))!.AsObject();

    private static string Sha256(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(f)).ToLowerInvariant();
    }

    /// <summary>Cuts the backup to 60% and edits both sidecars to match it, as someone who can write the catalog could.</summary>
    private static void TruncateAndForge(string path, bool keepSeal)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * 6 / 10)]);
        var sha = Sha256(path);
        var doc = Sidecar(path);
        doc["sha256"] = sha;
        doc["sizeBytes"] = new FileInfo(path).Length;
        if (!keepSeal) doc.Remove("seal");
        File.WriteAllText(path + ".meta.json", doc.ToJsonString());
        File.WriteAllText(path + ".sha256", sha + "  " + Path.GetFileName(path) + "\n");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_sidecar_edited_to_match_a_truncated_file_gets_the_full_walk_and_nothing_is_written(bool keepSeal)
    {
        using var dir = new TempDirectory();
        var (source, backup) = await BackupAsync(dir);
        await using var _ = source;
        Assert.StartsWith("hmac-sha256:", Sidecar(backup.Path)["seal"]!.GetValue<string>(), StringComparison.Ordinal);
        TruncateAndForge(backup.Path, keepSeal);
        Assert.False(VerifyOperation.HasTrustedSidecar(backup.Path));
        Assert.StartsWith("Verify ", RestoreOperation.Prepare(new RestoreRequest { Path = backup.Path, Endpoint = source.Endpoint }).Texts[0], StringComparison.Ordinal);

        await using var target = await RedisServer.StartAsync();
        var ex = await Assert.ThrowsAsync<RedisBackupException>(() => RestoreOperation.RunAsync(new RestoreRequest { Path = backup.Path, Endpoint = target.Endpoint }));
        Assert.Equal("BackupVerificationFailed", ex.ErrorId);
        Assert.Contains("nothing was restored", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await ServerComparison.DbSizeAsync(target, 0));
        // The walk recorded its verdict, and the sidecar carries no seal any more.
        var after = Sidecar(backup.Path);
        Assert.Equal("failed", after["verification"]!.GetValue<string>());
        Assert.Null(after["seal"]);
    }

    [Fact]
    public async Task An_untouched_backup_takes_the_fast_path_and_a_copied_seal_does_not_verify()
    {
        using var dir = new TempDirectory();
        var (source, backup) = await BackupAsync(dir);
        await using var _ = source;
        var sealedText = File.ReadAllText(backup.Path + ".meta.json");
        Assert.True(VerifyOperation.HasTrustedSidecar(backup.Path));
        Assert.StartsWith("Check ", RestoreOperation.Prepare(new RestoreRequest { Path = backup.Path, Endpoint = source.Endpoint }).Texts[0], StringComparison.Ordinal);

        await using (var target = await RedisServer.StartAsync())
        {
            var result = await RestoreOperation.RunAsync(new RestoreRequest { Path = backup.Path, Endpoint = target.Endpoint });
            Assert.Equal(Keys, result.Restored);
        }
        // The hash-only check leaves the sidecar as it was (a full walk would have recorded a new verification time).
        Assert.Equal(sealedText, File.ReadAllText(backup.Path + ".meta.json"));

        // A seal copied from another backup's sidecar does not verify: a different file, different fields.
        var other = (await BackupOperation.RunAsync(new BackupRequest { Endpoint = source.Endpoint, Directory = dir.Path, Databases = [0], Match = "key:1*" })).Backup;
        var doc = Sidecar(other.Path);
        doc["seal"] = Sidecar(backup.Path)["seal"]!.GetValue<string>();
        doc["keyCount"] = Keys;
        File.WriteAllText(other.Path + ".meta.json", doc.ToJsonString());
        Assert.False(VerifyOperation.HasTrustedSidecar(other.Path));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_key_is_created_owner_only_on_first_use_and_an_unsafe_key_is_never_trusted()
    {
        await using var source = await RedisServer.StartAsync();
        await using (var c = await source.ConnectAsync())
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", "100");
        await using var target = await RedisServer.StartAsync();
        using var dir = new TempDirectory();
        using var config = new TempDirectory();
        var env = new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = config.Path };
        var port = source.Port.ToString(CultureInfo.InvariantCulture);
        var targetPort = target.Port.ToString(CultureInfo.InvariantCulture);

        var made = await CliRun.RunProcessAsync(env, "backup", "--port", port, "--dir", dir.Path, "--json");
        Assert.True(made.ExitCode == 0, made.ToString());
        var path = made.Json().GetProperty("path").GetString()!;
        var keyFile = Path.Combine(config.Path, "redisbackup", "sidecar.key");
        Assert.Equal(32, new FileInfo(keyFile).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(keyFile)!));
        Assert.NotNull(Sidecar(path)["seal"]);

        // Another user's key (another config directory): the seal does not verify, so the restore walks the file and,
        // having verified it, seals it with this user's key; the next restore takes the fast path.
        using var otherConfig = new TempDirectory();
        var otherEnv = new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = otherConfig.Path };
        var before = File.ReadAllText(path + ".meta.json");
        var walked = await CliRun.RunProcessAsync(otherEnv, "restore", path, "--port", targetPort, "--json");
        Assert.True(walked.ExitCode == 0, walked.ToString());
        var resealed = File.ReadAllText(path + ".meta.json");
        Assert.NotEqual(before, resealed);
        var fast = await CliRun.RunProcessAsync(otherEnv, "restore", path, "--port", targetPort, "--replace", "--json");
        Assert.True(fast.ExitCode == 0, fast.ToString());
        Assert.Equal(resealed, File.ReadAllText(path + ".meta.json"));

        // A key readable by others is not used: no seal is trusted (the restore walks the file) and none is made.
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var unsafeRestore = await CliRun.RunProcessAsync(env, "restore", path, "--port", targetPort, "--replace", "--json");
        Assert.True(unsafeRestore.ExitCode == 0, unsafeRestore.ToString());
        Assert.Null(Sidecar(path)["seal"]);
        var unsafeBackup = await CliRun.RunProcessAsync(env, "backup", "--port", port, "--dir", dir.Path, "--json");
        Assert.True(unsafeBackup.ExitCode == 0, unsafeBackup.ToString());
        Assert.Null(Sidecar(unsafeBackup.Json().GetProperty("path").GetString()!)["seal"]);
    }
}
