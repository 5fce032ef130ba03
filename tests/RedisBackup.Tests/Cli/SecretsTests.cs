using System.Globalization;
using System.IO.Compression;
using System.Text;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Redis;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Cli;

/// <summary>
/// Fault-matrix case 30 of issue 9: a password given in a URI or in REDISCLI_AUTH, right or wrong, appears in no
/// output of the CLI (stdout, stderr, human and --json) and in no file the runs leave in the catalog: the backups
/// (decompressed), their sidecars, the lock and the journal, which records the failed runs with their source and
/// target.
/// </summary>
public class SecretsTests
{
    private const string Password = "s3cret-Pw-7731";
    private const string WrongPassword = "wr0ng-Pw-5519";

    private static string P(RedisServer server) => server.Port.ToString(CultureInfo.InvariantCulture);

    private static byte[] Content(string file)
    {
        var bytes = File.ReadAllBytes(file);
        if (bytes.Length < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b) return bytes;
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        return plain.ToArray();
    }

    [Fact(Timeout = 300_000)]
    public async Task A_password_in_a_URI_or_REDISCLI_AUTH_is_in_no_output_and_no_file_of_the_catalog()
    {
        await using var source = await RedisServer.StartAsync("--requirepass", Password);
        await using (var c = await RedisConnection.ConnectAsync(source.Endpoint with { Password = Password }))
            await c.ExecuteAsync(CancellationToken.None, "DEBUG", "POPULATE", 500, "k", 10);
        await using var target = await RedisServer.StartAsync("--requirepass", Password);
        using var dir = new TempDirectory();
        var uri = $"redis://:{Password}@127.0.0.1:{P(source)}";
        var wrongUri = $"redis://:{WrongPassword}@127.0.0.1:{P(source)}";
        var wrongEnv = new CliRun();
        wrongEnv.Environment["REDISCLI_AUTH"] = WrongPassword;
        var rightEnv = new CliRun();
        rightEnv.Environment["REDISCLI_AUTH"] = Password;

        var runs = new List<(string What, int Expected, CliOutcome Outcome)>
        {
            ("key-level backup, URI", 0, await new CliRun().RunAsync("backup", "--uri", uri, "--dir", dir.Path, "--json")),
            ("snapshot backup, REDISCLI_AUTH", 0, await rightEnv.RunAsync("backup", "--kind", "rdb", "--port", P(source), "--dir", dir.Path)),
            ("backup, wrong URI password", 1, await new CliRun().RunAsync("backup", "--uri", wrongUri, "--dir", dir.Path, "--json")),
            ("backup, wrong REDISCLI_AUTH", 1, await wrongEnv.RunAsync("backup", "--port", P(source), "--dir", dir.Path)),
        };
        var keyLevel = new BackupCatalog(dir.Path).List().Single(b => b.Path.EndsWith(".jsonl.gz", StringComparison.Ordinal)).Path;
        runs.Add(("restore, wrong URI password", 1,
            await new CliRun().RunAsync("restore", keyLevel, "--uri", $"redis://:{WrongPassword}@127.0.0.1:{P(target)}", "--json")));
        runs.Add(("restore, URI", 0, await new CliRun().RunAsync("restore", keyLevel, "--uri", $"redis://:{Password}@127.0.0.1:{P(target)}")));

        foreach (var (what, expected, outcome) in runs)
        {
            Assert.True(outcome.ExitCode == expected, $"{what}: {outcome}");
            Assert.DoesNotContain(Password, outcome.Stdout + outcome.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongPassword, outcome.Stdout + outcome.Stderr, StringComparison.Ordinal);
        }

        // The runs left backups, sidecars and a journal holding the three failures; not one byte of them is a password.
        var stats = new BackupCatalog(dir.Path).GetStats();
        Assert.NotNull(stats.LastFailure);
        Assert.NotNull(stats.LastRestoreFailure);
        var files = Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories);
        Assert.True(files.Length >= 6, string.Join(", ", files));
        foreach (var file in files)
        {
            var text = Encoding.Latin1.GetString(Content(file));
            Assert.False(text.Contains(Password, StringComparison.Ordinal), $"{file} holds the password");
            Assert.False(text.Contains(WrongPassword, StringComparison.Ordinal), $"{file} holds the wrong password");
        }
    }
}
