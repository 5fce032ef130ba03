using System.Diagnostics;
using System.Text.Json;
using RedisBackup.Cli;

namespace RedisBackup.Tests.Cli;

/// <summary>What one run of redis-backup produced.</summary>
public sealed record CliOutcome(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout parsed as the one JSON document --json promises (fails the test if it is not exactly one).</summary>
    public JsonElement Json()
    {
        using var doc = JsonDocument.Parse(Stdout);
        return doc.RootElement.Clone();
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Runs the real CLI: in-process through <see cref="CliApp"/> with captured writers and a fixed environment
/// (nothing leaks in from the test process's environment), or as a real process through the built redis-backup.dll.
/// </summary>
public sealed class CliRun
{
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);
    public string StdIn { get; set; } = "";
    public bool Interactive { get; set; }

    /// <summary>Standard input as a reader, instead of <see cref="StdIn"/> (e.g. one that blocks like a terminal).</summary>
    public TextReader? Input { get; set; }

    internal CliHost CreateHost(StringWriter stdout, StringWriter stderr) => new()
    {
        Out = stdout,
        Error = stderr,
        In = Input ?? new StringReader(StdIn),
        Environment = name => Environment.TryGetValue(name, out var value) ? value : null,
        ErrorIsTerminal = Interactive,
        InputIsTerminal = Interactive,
    };

    public async Task<CliOutcome> RunAsync(params string[] args) => await RunAsync(CancellationToken.None, args);

    public async Task<CliOutcome> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, CreateHost(stdout, stderr), cancellationToken);
        return new CliOutcome(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The built redis-backup.dll next to the test assembly.</summary>
    public static string DllPath => typeof(CliApp).Assembly.Location;

    /// <summary>Runs `dotnet redis-backup.dll args…` as a real process, stdin closed, with extra environment variables.</summary>
    public static async Task<CliOutcome> RunProcessAsync(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(DllPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("REDISCLI_AUTH");
        psi.Environment.Remove("REDISBACKUP_PATH");
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new CliOutcome(process.ExitCode, await stdout, await stderr);
    }
}
