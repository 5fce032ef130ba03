using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace RedisBackup.PowerShell.Tests.Infrastructure;

/// <summary>What one script run produced, stream by stream.</summary>
public sealed class PsRun
{
    public required Collection<PSObject> Output { get; init; }

    /// <summary>Non-terminating errors (the error stream).</summary>
    public required IReadOnlyList<ErrorRecord> Errors { get; init; }

    /// <summary>The terminating error that stopped the script's statement, if any (caught by the run's try/catch).</summary>
    public ErrorRecord? Terminating { get; init; }

    public required IReadOnlyList<ProgressRecord> Progress { get; init; }
    public required IReadOnlyList<string> Verbose { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }
    public required IReadOnlyList<string> Information { get; init; }

    /// <summary>$? after the run's last statement.</summary>
    public bool Succeeded { get; init; }

    public IEnumerable<T> Objects<T>() => Output.Select(o => o.BaseObject).OfType<T>();

    /// <summary>Every error, terminating or not.</summary>
    public IEnumerable<ErrorRecord> AllErrors => Terminating is null ? Errors : Errors.Append(Terminating);

    /// <summary>The output as text, one line per object (strings as they are).</summary>
    public string Text => string.Join("\n", Output.Select(o => o?.ToString()));

    /// <summary>Fails with everything the run said when it wrote an error.</summary>
    public PsRun AssertClean()
    {
        if (Terminating is not null || Errors.Count > 0)
            throw new Xunit.Sdk.XunitException("The run wrote errors:\n" + string.Join("\n", AllErrors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")));
        return this;
    }
}

/// <summary>
/// A runspace in this process (PowerShell 7.6 through Microsoft.PowerShell.SDK) with the built module imported from
/// out/RedisBackup, as a user's session would. Scripts run inside try/catch so a terminating error is told apart
/// from a non-terminating one.
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;

    public PowerShellSession(string? location = null, TestHost? host = null, bool importModule = true)
    {
        Host = host ?? new TestHost();
        var state = InitialSessionState.CreateDefault2();
        _runspace = RunspaceFactory.CreateRunspace(Host, state);
        _runspace.Open();
        if (importModule)
            Run("Import-Module -Name $args[0] -ErrorAction Stop", [ModuleLayout.ModuleManifest]).AssertClean();
        if (location is not null) Run("Set-Location -LiteralPath $args[0]", [location]).AssertClean();
    }

    public TestHost Host { get; }

    public Runspace Runspace => _runspace;

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/> as $args, and named variables set first.</summary>
    public PsRun Run(string script, object?[]? args = null, IDictionary? variables = null)
    {
        using var ps = Create(script, args, variables);
        return Collect(ps, ps.Invoke());
    }

    /// <summary>A PowerShell ready to run <paramref name="script"/> the same way, for tests that invoke it themselves (Stop, BeginInvoke).</summary>
    public System.Management.Automation.PowerShell Create(string script, object?[]? args = null, IDictionary? variables = null)
    {
        if (variables is not null)
            foreach (DictionaryEntry v in variables) _runspace.SessionStateProxy.SetVariable((string)v.Key, v.Value);
        _runspace.SessionStateProxy.SetVariable("__terminating", null);
        _runspace.SessionStateProxy.SetVariable("__succeeded", null);
        var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = _runspace;
        // A script block keeps $args; the try/catch separates terminating errors from the error stream.
        ps.AddScript("param($__script, $__args) try { & ([scriptblock]::Create($__script)) @__args; $global:__succeeded = $? } catch { $global:__terminating = $_ }", useLocalScope: true)
            .AddArgument(script)
            .AddArgument(args ?? []);
        return ps;
    }

    public PsRun Collect(System.Management.Automation.PowerShell ps, Collection<PSObject> output)
    {
        ArgumentNullException.ThrowIfNull(ps);
        return new PsRun
        {
            Output = output,
            Errors = ps.Streams.Error.ToList(),
            Terminating = _runspace.SessionStateProxy.GetVariable("__terminating") is PSObject { BaseObject: ErrorRecord e } ? e
                : _runspace.SessionStateProxy.GetVariable("__terminating") as ErrorRecord,
            Progress = ps.Streams.Progress.ToList(),
            Verbose = ps.Streams.Verbose.Select(v => v.Message).ToList(),
            Warnings = ps.Streams.Warning.Select(w => w.Message).ToList(),
            Information = ps.Streams.Information.Select(i => i.MessageData?.ToString() ?? "").ToList(),
            Succeeded = _runspace.SessionStateProxy.GetVariable("__succeeded") is true,
        };
    }

    public void Dispose() => _runspace.Dispose();
}
