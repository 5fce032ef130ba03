using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using RedisBackup.Cli;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Cli;
using RedisBackup.Tests.Infrastructure;
using RedisBackup.Tests.KeyLevel;

namespace RedisBackup.Tests.Restore;

/// <summary>
/// A live restore that stops part-way says exactly how far it got (issue 9, item 11): never "Nothing partial was kept",
/// but the keys written so far, skipped, failed, unconfirmed and the last key written, in the exception (and so in its
/// message), in the CLI's human output and in its --json.
/// </summary>
public partial class LiveRestoreInterruptionTests
{
    private const int Keys = 400_000;

    private static async Task<long> DbSizeAsync(RedisServer server, int db = 0) => await ServerComparison.DbSizeAsync(server, db);

    [GeneratedRegex(@"Keys written so far: ([\d,]+);")]
    private static partial Regex WrittenSoFar();

    private static long WrittenIn(string message)
    {
        var match = WrittenSoFar().Match(message);
        Assert.True(match.Success, message);
        return long.Parse(match.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_cancelled_restore_reports_exactly_the_keys_the_target_holds()
    {
        await using var target = await RedisServer.StartAsync();
        using var dir = new TempDirectory();
        var path = ManyKeysFile.Write(dir.Combine("many.jsonl.gz"), Keys);
        using var cts = new CancellationTokenSource();
        var progress = new OnFirstCount(cts.Cancel);

        var ex = await Assert.ThrowsAsync<RestoreInterruptedException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Path = path, Endpoint = target.Endpoint }, progress, cts.Token).WaitAsync(TimeSpan.FromMinutes(3)));

        Assert.True(ex.Cancelled);
        Assert.Equal(ErrorKind.Cancelled, ex.Kind);
        var partial = ex.Partial;
        Assert.False(partial.Complete);
        Assert.False(partial.Success);
        Assert.Equal(0, partial.Unconfirmed); // a clean stop reads every reply still due
        Assert.InRange(partial.Restored, 1, Keys - 1);
        Assert.Equal(await DbSizeAsync(target), partial.Restored);
        Assert.Equal(partial.Restored, partial.Total);
        Assert.Equal(path, partial.BackupPath);
        Assert.Equal(target.Endpoint.ToString(), partial.Target);
        var last = Assert.IsType<KeyPosition>(partial.LastWritten);
        Assert.Equal("value-" + last.Key[1..], await KeyFiles.GetAsync(target, 0, last.Key));
        Assert.Equal(partial.Restored, WrittenIn(ex.Message));
        Assert.Contains("cancelled part-way", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"Last key written: '{last.Key}' in database 0", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Nothing partial", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_stops_answering_mid_restore_gives_a_timeout_with_counts_in_the_message_and_the_json()
    {
        await using var target = await RedisServer.StartAsync();
        using var dir = new TempDirectory();
        var path = ManyKeysFile.Write(dir.Combine("many.jsonl.gz"), Keys);
        var endpoint = target.Endpoint with { CommandTimeout = TimeSpan.FromSeconds(3) };
        var progress = new OnFirstCount(() => target.Signal("STOP"));
        RestoreInterruptedException ex;
        try
        {
            ex = await Assert.ThrowsAsync<RestoreInterruptedException>(() => RestoreOperation.RunAsync(
                new RestoreRequest { Path = path, Endpoint = endpoint }, progress, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3)));
        }
        finally
        {
            target.Signal("CONT");
        }

        Assert.Equal(ErrorKind.Timeout, ex.Kind);
        Assert.Equal("RedisTimeout", ex.ErrorId);
        Assert.False(ex.Cancelled);
        var partial = ex.Partial;
        Assert.InRange(partial.Restored, 1, Keys - 1);
        Assert.Equal(partial.Restored, WrittenIn(ex.Message));
        Assert.Contains("did not reply", ex.Message, StringComparison.Ordinal);
        // What the server holds now lies between what it confirmed and what was sent without an answer.
        var held = await DbSizeAsync(target);
        Assert.InRange(held, partial.Restored, partial.Restored + partial.Unconfirmed);

        // The CLI reports the same failure with the counts beside the error in --json, exit code 1.
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var output = new CommandOutput(new CliHost { Out = stdout, Error = stderr }, OutputMode.Json);
        var code = await CommandRunner.RunAsync(output, () => throw ex, CancellationToken.None);
        Assert.Equal(1, code);
        using var json = JsonDocument.Parse(stdout.ToString());
        Assert.Equal("timeout", json.RootElement.GetProperty("error").GetProperty("kind").GetString());
        var result = json.RootElement.GetProperty("result");
        Assert.Equal(partial.Restored, result.GetProperty("restored").GetInt64());
        Assert.Equal(partial.Unconfirmed, result.GetProperty("unconfirmed").GetInt64());
        Assert.False(result.GetProperty("complete").GetBoolean());
        Assert.Equal(partial.LastWritten!.Key, result.GetProperty("lastWritten").GetProperty("key").GetString());
    }

    [Fact]
    public async Task A_lost_connection_mid_restore_reports_the_keys_confirmed_before_it()
    {
        await using var target = await RedisServer.StartAsync();
        using var dir = new TempDirectory();
        var path = ManyKeysFile.Write(dir.Combine("many.jsonl.gz"), Keys);
        var progress = new OnFirstCount(() => target.Signal("KILL"));

        var ex = await Assert.ThrowsAsync<RestoreInterruptedException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Path = path, Endpoint = target.Endpoint }, progress, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3)));

        Assert.Equal(ErrorKind.ConnectionFailed, ex.Kind);
        Assert.InRange(ex.Partial.Restored, 1, Keys - 1);
        Assert.Equal(ex.Partial.Restored, WrittenIn(ex.Message));
        Assert.NotNull(ex.Partial.LastWritten);
    }

    /// <summary>
    /// SIGTERM takes the same path as Ctrl+C (ShutdownSignals); SIGINT itself cannot be used here, because a test host
    /// that ignores SIGINT passes that on to its children, and .NET then leaves SIGINT ignored.
    /// </summary>
    [Fact]
    public async Task Interrupting_the_CLI_exits_130_and_says_how_many_keys_were_written()
    {
        await using var target = await RedisServer.StartAsync();
        using var dir = new TempDirectory();
        var path = ManyKeysFile.Write(dir.Combine("many.jsonl.gz"), Keys * 2);
        var port = target.Port.ToString(CultureInfo.InvariantCulture);

        foreach (var json in new[] { false, true })
        {
            await KeyFiles.RunAsync(target, 0, "FLUSHALL");
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var a in new[] { CliRun.DllPath, "restore", path, "--port", port }) psi.ArgumentList.Add(a);
            if (json) psi.ArgumentList.Add("--json");
            psi.Environment.Remove("REDISCLI_AUTH");
            using var process = Process.Start(psi)!;
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using (var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            {
                // Interrupt once keys are landing.
                while (await DbSizeAsync(target) < 1000)
                {
                    Assert.False(process.HasExited, "the restore ended before it could be interrupted");
                    await Task.Delay(20, deadline.Token);
                }
            }
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!)
                await kill.WaitForExitAsync();
            using (var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
                await process.WaitForExitAsync(deadline.Token);
            var err = await stderr;
            var outText = await stdout;
            Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}: {err} {outText}");
            var held = await DbSizeAsync(target);
            Assert.InRange(held, 1, Keys * 2 - 1);
            Assert.DoesNotContain("Nothing partial", err, StringComparison.Ordinal);
            Assert.Contains("cancelled part-way", err, StringComparison.Ordinal);
            Assert.Equal(held, WrittenIn(err));
            if (json)
            {
                using var doc = JsonDocument.Parse(outText);
                Assert.Equal("cancelled", doc.RootElement.GetProperty("error").GetProperty("kind").GetString());
                Assert.Equal(held, doc.RootElement.GetProperty("result").GetProperty("restored").GetInt64());
            }
        }
    }

    /// <summary>Runs an action once, on the writer's first counter report (some keys are confirmed by then).</summary>
    private sealed class OnFirstCount(Action action) : IProgress<OperationProgress>
    {
        private int _done;

        public void Report(OperationProgress value)
        {
            if (value.IsStep || value.Done == 0 || value.Activity.StartsWith("Verifying", StringComparison.Ordinal)
                || value.Activity.StartsWith("Checking", StringComparison.Ordinal)) return;
            if (Interlocked.Exchange(ref _done, 1) == 0) action();
        }
    }
}
