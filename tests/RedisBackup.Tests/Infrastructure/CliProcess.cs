using System.Diagnostics;
using System.Globalization;
using System.Text;
using RedisBackup.Tests.Cli;

namespace RedisBackup.Tests.Infrastructure;

/// <summary>
/// The built redis-backup as a child process that a test can watch while it runs: started through sh (so a umask can be
/// set for it), standard input kept open until <see cref="CloseInput"/>, stdout and stderr collected as they come,
/// signals sent by pid, and every wait bounded: a process still running at a deadline is killed and the test fails.
/// </summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public static CliProcess Start(IEnumerable<string> args, string? umask = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var command = new StringBuilder();
        if (umask is not null) command.Append("umask ").Append(umask).Append("; ");
        command.Append("exec dotnet ").Append(Quote(CliRun.DllPath));
        foreach (var a in args) command.Append(' ').Append(Quote(a));
        var psi = new ProcessStartInfo("sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command.ToString());
        psi.Environment.Remove("REDISCLI_AUTH");
        psi.Environment.Remove("REDISBACKUP_PATH");
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (cli._gate) cli._stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (cli._gate) cli._stderr.AppendLine(e.Data); };
        process.Exited += (_, _) => cli._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    public string Stdout { get { lock (_gate) return _stdout.ToString(); } }
    public string Stderr { get { lock (_gate) return _stderr.ToString(); } }
    public bool HasExited => _process.HasExited;

    public void CloseInput() => _process.StandardInput.Close();

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>Waits until stderr holds <paramref name="text"/>; fails the test if the process ends first or the deadline passes.</summary>
    public async Task WaitForStderrAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (HasExited) Assert.Fail($"The CLI exited before printing '{text}':\n{Describe()}");
            if (DateTime.UtcNow > deadline) Assert.Fail($"The CLI did not print '{text}' within {timeout.TotalSeconds} s:\n{Describe()}");
            await Task.Delay(50);
        }
    }

    /// <summary>The outcome once the process ends; a process still running after <paramref name="timeout"/> is killed and the test fails.</summary>
    public async Task<CliOutcome> WaitAsync(TimeSpan timeout)
    {
        if (!await TryWaitAsync(timeout))
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            Assert.Fail($"The CLI was still running after {timeout.TotalSeconds} s and was killed:\n{Describe()}");
        }
        await _process.WaitForExitAsync(); // drains the output readers
        return new CliOutcome(_process.ExitCode, Stdout, Stderr);
    }

    /// <summary>True when the process ended within <paramref name="timeout"/>.</summary>
    public async Task<bool> TryWaitAsync(TimeSpan timeout)
        => await Task.WhenAny(_exited.Task, Task.Delay(timeout)) == _exited.Task || _process.HasExited;

    /// <summary>Runs the CLI to completion under <paramref name="timeout"/>.</summary>
    public static async Task<CliOutcome> RunAsync(TimeSpan timeout, params string[] args)
    {
        await using var cli = Start(args);
        cli.CloseInput();
        return await cli.WaitAsync(timeout);
    }

    private string Describe() => $"--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
