using RedisBackup.Engine.Export;
using RedisBackup.Engine.Model;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Operations;
using RedisBackup.Engine.Redis;
using RedisBackup.Engine.Restore;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Restore;

/// <summary>
/// Function libraries (issue 11 §4): key-level backups carry FUNCTION DUMP as a record of their own (the header requires
/// "functions", so no older reader drops them silently), and every live restore brings them back: FUNCTION RESTORE with
/// APPEND / REPLACE / FLUSH after the key policy, one library at a time when that is refused, FUNCTION LOAD of the
/// source for a target older than the payload. Compared by FUNCTION LIST WITHCODE and FCALL, on every server version.
/// </summary>
public class FunctionRestoreTests
{
    private static CancellationToken None => CancellationToken.None;

    [ServerTheory]
    [MemberData(nameof(ServerVersions.Names), MemberType = typeof(ServerVersions))]
    public async Task Logical_exact_and_RDB_backups_bring_two_libraries_back(string version)
    {
        await using var source = await RedisServer.StartVersionAsync(version);
        await FunctionLibraryData.FillAsync(source);
        var expected = await FunctionLibraryData.ListAsync(source);
        using var dir = new TempDirectory();

        foreach (var exact in new[] { false, true })
        {
            var path = dir.Combine(exact ? "exact.jsonl.gz" : "logical.jsonl.gz");
            var summary = await KeyFiles.ExportAsync(source, path, new KeyExportOptions { Exact = exact });
            Assert.Equal(2, summary.FunctionLibraries);
            Assert.Null(summary.FunctionsNotCaptured);
            var header = FirstLines(path, 2);
            Assert.Contains("functions", header[0].GetProperty("requires").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(2, header[0].GetProperty("version").GetInt32()); // readers from before "requires" refuse it
            Assert.Equal("functions", header[1].GetProperty("rec").GetString());
            Assert.Equal(["counters", "greet"], header[1].GetProperty("libraries").EnumerateArray().Select(e => e.GetString()!).Order());
            await using (var file = File.OpenRead(path))
                Assert.Equal(["counters", "greet"], (await KeyFileVerifier.VerifyAsync(file)).FunctionLibraries.Order());

            await using var target = await RedisServer.StartVersionAsync(version);
            var result = await KeyFiles.RestoreAsync(path, target.Endpoint);
            Assert.True(result.Success, Describe(result));
            Assert.Equal((2, 2, 0, 0, "restore"), (result.Functions!.Libraries, result.Functions.Restored, result.Functions.Skipped, result.Functions.Failed, result.Functions.Method));
            Assert.Equal(expected, await FunctionLibraryData.ListAsync(target));
            await FunctionLibraryData.AssertCallableAsync(target);
        }

        // An RDB snapshot: its FUNCTION2 records, replayed live.
        await KeyFiles.RunAsync(source, 0, "SAVE");
        await using (var target = await RedisServer.StartVersionAsync(version))
        {
            await using var rdb = File.OpenRead(Path.Combine(source.Directory, "dump.rdb"));
            var result = await RdbLiveRestorer.RestoreAsync(new BufferedStream(rdb, 1 << 16), target.Endpoint, new RestoreOptions(), null, None);
            Assert.True(result.Success, Describe(result));
            Assert.Equal(2, result.Functions!.Restored);
            Assert.Equal("restore", result.Functions.Method);
            Assert.Equal(expected, await FunctionLibraryData.ListAsync(target));
            await FunctionLibraryData.AssertCallableAsync(target);
        }
    }

    [ServerFact("redis-7.4")]
    public async Task A_target_older_than_the_payload_gets_each_library_from_its_source()
    {
        await using var source = await RedisServer.StartVersionAsync("redis-7.4");
        await FunctionLibraryData.FillAsync(source);
        using var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);

        // Redis 7.0 refuses an RDB 12 payload ("DUMP payload version or checksum are wrong"): FUNCTION LOAD of the code.
        await using var target = await RedisServer.StartAsync();
        var result = await KeyFiles.RestoreAsync(path, target.Endpoint);
        Assert.True(result.Success, Describe(result));
        Assert.Equal(2, result.Functions!.Restored);
        Assert.Equal("load", result.Functions.Method);
        Assert.Equal(await FunctionLibraryData.ListAsync(source), await FunctionLibraryData.ListAsync(target));
        await FunctionLibraryData.AssertCallableAsync(target);

        // Replace loads over what is there (FUNCTION LOAD REPLACE); skip counts both as skipped.
        var again = await KeyFiles.RestoreAsync(path, target.Endpoint);
        Assert.Equal((0, 2, 0), (again.Functions!.Restored, again.Functions.Skipped, again.Functions.Failed));
        var replaced = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Replace });
        Assert.Equal((2, 0, 0), (replaced.Functions!.Restored, replaced.Functions.Skipped, replaced.Functions.Failed));
    }

    [Fact]
    public async Task Skip_keeps_a_library_the_target_has_replace_replaces_it_and_flush_leaves_only_the_backups()
    {
        await using var source = await RedisServer.StartAsync();
        await FunctionLibraryData.FillAsync(source);
        using var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);

        // Skip (FUNCTION RESTORE … APPEND aborts on greet, so one at a time): greet stays as it was, counted as skipped.
        await using (var target = await RedisServer.StartAsync())
        {
            await FunctionLibraryData.LoadAsync(target, FunctionLibraryData.OtherGreet, FunctionLibraryData.Unrelated);
            var result = await KeyFiles.RestoreAsync(path, target.Endpoint);
            Assert.True(result.Success, Describe(result));
            Assert.Equal((1, 1, 0), (result.Functions!.Restored, result.Functions.Skipped, result.Functions.Failed));
            Assert.Equal(["greet"], result.Functions.SkippedLibraries);
            Assert.Equal("hi x", await FunctionLibraryData.HelloAsync(target));
            Assert.Equal(["counters", "greet", "unrelated"], await FunctionLibraryData.NamesAsync(target));
        }

        // Replace: greet takes the backup's code, the target's other library stays.
        await using (var target = await RedisServer.StartAsync())
        {
            await FunctionLibraryData.LoadAsync(target, FunctionLibraryData.OtherGreet, FunctionLibraryData.Unrelated);
            var result = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Replace });
            Assert.True(result.Success, Describe(result));
            Assert.Equal((2, 0, 0), (result.Functions!.Restored, result.Functions.Skipped, result.Functions.Failed));
            Assert.Equal("hello x", await FunctionLibraryData.HelloAsync(target));
            Assert.Equal(["counters", "greet", "unrelated"], await FunctionLibraryData.NamesAsync(target));
        }

        // Flush: the target's libraries are gone, the backup's are there.
        await using (var target = await RedisServer.StartAsync())
        {
            await FunctionLibraryData.LoadAsync(target, FunctionLibraryData.OtherGreet, FunctionLibraryData.Unrelated);
            var result = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Flush });
            Assert.True(result.Success, Describe(result));
            Assert.Equal(2, result.Functions!.Restored);
            Assert.Equal(await FunctionLibraryData.ListAsync(source), await FunctionLibraryData.ListAsync(target));
        }

        // A function name another library of the target holds: that library fails with the server's reason, the rest
        // is restored, and the restore is not a success.
        await using (var target = await RedisServer.StartAsync())
        {
            await FunctionLibraryData.LoadAsync(target, FunctionLibraryData.Clash);
            var result = await KeyFiles.RestoreAsync(path, target.Endpoint, new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Replace });
            Assert.False(result.Success);
            Assert.Equal(0, result.Failed); // every key was restored
            Assert.Equal((1, 0, 1), (result.Functions!.Restored, result.Functions.Skipped, result.Functions.Failed));
            var failure = Assert.Single(result.Functions.Failures);
            Assert.Equal("greet", failure.Library);
            Assert.Contains("already exists", failure.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_user_without_function_rights_gets_the_keys_and_a_counted_named_failure_in_both_directions()
    {
        await using var source = await RedisServer.StartAsync();
        await FunctionLibraryData.FillAsync(source);
        var port = source.Port.ToString(CultureInfo.InvariantCulture);
        using var dir = new TempDirectory();

        // Backup: a user who may read keys but not FUNCTION DUMP. The backup succeeds without them and says so.
        await KeyFiles.RunAsync(source, 0, "ACL", "SETUSER", "reader", "on", ">pw", "~*", "+@all", "-function");
        var cli = new CliRun { Environment = { ["REDISCLI_AUTH"] = "pw" } };
        var backup = await cli.RunAsync("backup", "--port", port, "--user", "reader", "--dir", dir.Path, "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.Contains("function libraries not backed up", backup.Stderr, StringComparison.Ordinal);
        Assert.Contains("holds 2 function libraries", backup.Json().GetProperty("functionsNotCaptured").GetString(), StringComparison.Ordinal);
        var withoutFunctions = backup.Json().GetProperty("path").GetString()!;
        Assert.DoesNotContain("functions", FirstLines(withoutFunctions, 1)[0].GetProperty("requires").EnumerateArray().Select(e => e.GetString()));

        // Restore: a user who may write keys and RESTORE but not FUNCTION RESTORE/LOAD. Keys restored, the libraries
        // counted as failed with the server's NOPERM and what to grant, exit code 1.
        var full = (await new CliRun().RunAsync("backup", "--port", port, "--dir", dir.Path, "--json")).Json().GetProperty("path").GetString()!;
        await using var target = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(target, 0, "ACL", "SETUSER", "restorer", "on", ">pw", "~*", "+@all", "-function");
        var restore = await cli.RunAsync("restore", full, "--port", target.Port.ToString(CultureInfo.InvariantCulture), "--user", "restorer", "--dir", dir.Path);
        Assert.Equal(1, restore.ExitCode);
        Assert.Contains("Restored 1 of 1 keys", restore.Stdout, StringComparison.Ordinal);
        Assert.Contains("Function libraries: 0 of 2 restored", restore.Stdout, StringComparison.Ordinal);
        Assert.Contains("function library 'greet' failed: NOPERM", restore.Stderr, StringComparison.Ordinal);
        Assert.Contains("+function", restore.Stderr, StringComparison.Ordinal);
        Assert.Contains("2 of 2 function libraries failed", restore.Stderr, StringComparison.Ordinal);
        Assert.Equal("41", await KeyFiles.GetAsync(target, 0, "counter"));
        Assert.Empty(await FunctionLibraryData.NamesAsync(target));
        // Journalled like a restore whose keys failed.
        var failure = (await new CliRun().RunAsync("stats", "--dir", dir.Path, "--json")).Json().GetProperty("lastRestoreFailure");
        Assert.Equal("RestoreIncomplete", failure.GetProperty("errorId").GetString());
        Assert.Contains("2 of 2 function libraries failed", failure.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_or_missing_functions_record_is_refused_by_verify_and_restore()
    {
        await using var source = await RedisServer.StartAsync();
        await FunctionLibraryData.FillAsync(source);
        using var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        await KeyFiles.ExportAsync(source, path);
        var lines = ReadLines(path);

        // One byte of the payload changed (its CRC64 no longer matches).
        var record = JsonDocument.Parse(lines[1]).RootElement;
        var payload = Convert.FromBase64String(record.GetProperty("dump").GetString()!);
        payload[5] ^= 0x20;
        var names = string.Join(",", record.GetProperty("libraries").EnumerateArray().Select(e => $"\"{e.GetString()}\""));
        var damaged = dir.Combine("damaged.jsonl.gz");
        WriteLines(damaged, [lines[0], $"{{\"rec\":\"functions\",\"libraries\":[{names}],\"dump\":\"{Convert.ToBase64String(payload)}\"}}", .. lines[2..]]);
        var error = await Assert.ThrowsAsync<RedisBackupException>(() => VerifyAsync(damaged));
        Assert.Equal("BackupCorrupt", error.ErrorId);
        Assert.Contains("functions record", error.Message, StringComparison.Ordinal);
        Assert.Contains("CRC64", error.Message, StringComparison.Ordinal);

        // The record left out although the header announces it.
        var missing = dir.Combine("missing.jsonl.gz");
        WriteLines(missing, [lines[0], .. lines[2..]]);
        error = await Assert.ThrowsAsync<RedisBackupException>(() => VerifyAsync(missing));
        Assert.Equal("BackupCorrupt", error.ErrorId);
        await using var target = await RedisServer.StartAsync();
        error = await Assert.ThrowsAsync<RedisBackupException>(() => KeyFiles.RestoreAsync(missing, target.Endpoint));
        Assert.Equal("BackupCorrupt", error.ErrorId);
        Assert.Empty(await FunctionLibraryData.NamesAsync(target));

        // A functions record in a file whose header does not announce it: a record kind this reader does not expect.
        var unannounced = dir.Combine("unannounced.jsonl.gz");
        WriteLines(unannounced, [lines[0].Replace("\"requires\":[\"functions\"]", "\"requires\":[]", StringComparison.Ordinal).Replace("\"version\":2", "\"version\":1", StringComparison.Ordinal), .. lines[1..]]);
        error = await Assert.ThrowsAsync<RedisBackupException>(() => VerifyAsync(unannounced));
        Assert.Equal("BackupCorrupt", error.ErrorId);
    }

    [Fact]
    public async Task A_server_without_libraries_writes_no_functions_record_and_no_requirement()
    {
        await using var source = await RedisServer.StartAsync();
        await KeyFiles.RunAsync(source, 0, "SET", "k", "v");
        using var dir = new TempDirectory();
        var path = dir.Combine("k.jsonl.gz");
        var summary = await KeyFiles.ExportAsync(source, path);
        Assert.Equal(0, summary.FunctionLibraries);
        var lines = FirstLines(path, 2);
        Assert.Empty(lines[0].GetProperty("requires").EnumerateArray());
        Assert.Equal(1, lines[0].GetProperty("version").GetInt32());
        Assert.Equal("key", lines[1].GetProperty("rec").GetString());
        await using var target = await RedisServer.StartAsync();
        Assert.Null((await KeyFiles.RestoreAsync(path, target.Endpoint)).Functions);
    }

    private static async Task VerifyAsync(string path)
    {
        await using var file = File.OpenRead(path);
        await KeyFileVerifier.VerifyAsync(file);
    }

    internal static string[] ReadLines(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static void WriteLines(string path, IEnumerable<string> lines)
    {
        using var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(string.Join("", lines.Select(l => l + "\n"))));
    }

    private static JsonElement[] FirstLines(string path, int count)
        => ReadLines(path).Take(count).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();

    private static string Describe(RestoreResult result)
        => string.Join("; ", result.Failures.Select(f => $"{f.Key}: {f.Reason}").Concat(result.Functions?.Failures.Select(f => $"library {f.Library}: {f.Reason}") ?? []));
}
