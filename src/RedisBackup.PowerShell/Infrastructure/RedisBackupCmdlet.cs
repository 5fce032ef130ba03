using System.Management.Automation;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;

namespace RedisBackup.PowerShell.Infrastructure;

/// <summary>
/// The base of every RedisBackup cmdlet: owns the cancellation token (created in BeginProcessing, cancelled by
/// Ctrl+C through StopProcessing, disposed with the cmdlet), runs engine tasks on the pipeline thread while
/// turning their progress into Write-Progress and Write-Verbose, and turns engine errors into error records.
/// </summary>
public abstract class RedisBackupCmdlet : PSCmdlet, IDisposable
{
    private CancellationTokenSource? _cancellation;
    private int _activityId;
    private bool _disposed;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken CancellationToken => (_cancellation ??= new CancellationTokenSource()).Token;

    protected override void BeginProcessing()
    {
        _cancellation ??= new CancellationTokenSource();
        _activityId = Math.Abs(GetHashCode() % 10_000) + 1;
    }

    /// <summary>Called on another thread when the user presses Ctrl+C: the running engine call sees its token cancelled.</summary>
    protected override void StopProcessing()
    {
        try
        {
            _cancellation?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The cmdlet already finished; there is nothing left to stop.
        }
    }

    /// <summary>
    /// Runs one engine call to completion on the pipeline thread. Progress reports are queued by the engine's
    /// threads and written here: steps as verbose lines, counters as a progress bar with percent and status.
    /// Cancellation surfaces as <see cref="PipelineStoppedException"/>; engine exceptions propagate unchanged.
    /// </summary>
    protected T RunEngine<T>(Func<IProgress<OperationProgress>, CancellationToken, Task<T>> operation)
    {
        var token = CancellationToken;
        string? lastActivity = null;
        try
        {
            return EngineRunner.Run(
                operation,
                step => WriteVerbose(step.Status),
                counter =>
                {
                    lastActivity = counter.Activity;
                    WriteProgress(ToProgressRecord(counter));
                },
                token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (RedisBackupException ex) when (ex.Kind == ErrorKind.Cancelled && token.IsCancellationRequested)
        {
            // Stopped part-way (a live restore): the pipeline is stopping, so nothing more can be written to it.
            throw new PipelineStoppedException(ex.Message, ex);
        }
        finally
        {
            if (lastActivity is not null) WriteProgressCompleted(lastActivity);
        }
    }

    private ProgressRecord ToProgressRecord(OperationProgress report)
    {
        var status = string.IsNullOrEmpty(report.Status) ? "Working" : report.Status;
        var activity = string.IsNullOrEmpty(report.Activity) ? MyInvocation.MyCommand.Name : report.Activity;
        var record = new ProgressRecord(_activityId, activity, status);
        if (report.Percent is { } percent) record.PercentComplete = percent;
        return record;
    }

    private void WriteProgressCompleted(string activity)
    {
        try
        {
            WriteProgress(new ProgressRecord(_activityId, string.IsNullOrEmpty(activity) ? MyInvocation.MyCommand.Name : activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
        catch (PipelineStoppedException)
        {
            // The pipeline is stopping; there is no progress bar left to close.
        }
    }

    /// <summary>Writes a non-terminating error for an expected failure and returns true; false for a bug, which the caller rethrows.</summary>
    protected bool TryWriteError(Exception exception, object? target)
    {
        var record = ErrorMapping.TryToErrorRecord(exception, target);
        if (record is null) return false;
        WriteError(record);
        return true;
    }

    /// <summary>Stops the cmdlet with an engine error: used when it cannot go on (bad arguments, one operation that failed).</summary>
    protected void ThrowEngineError(RedisBackupException exception, object? target)
        => ThrowTerminatingError(ErrorMapping.ToErrorRecord(exception, target));

    /// <summary>A catalog directory resolved against PowerShell's current location (not the process's).</summary>
    protected string ResolveCatalogDirectory(string? path)
        => SessionState.Path.GetUnresolvedProviderPathFromPSPath(RequestFactory.CatalogDirectoryText(path));

    /// <summary>
    /// File-system paths for -Path (wildcards expanded) or -LiteralPath. A path that matches nothing or is not a
    /// file-system path is reported with WriteError and skipped, so the other paths still run.
    /// </summary>
    protected IEnumerable<string> ResolveFilePaths(IEnumerable<string> paths, bool literal)
    {
        ArgumentNullException.ThrowIfNull(paths);
        foreach (var path in paths)
        {
            List<string> resolved = [];
            try
            {
                if (literal)
                {
                    var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
                    if (!IsFileSystem(provider, path)) continue;
                    if (Directory.Exists(full))
                    {
                        WriteError(new ErrorRecord(new ArgumentException($"'{full}' is a directory, not a backup file. Use Get-RedisBackup -Path to list a catalog."),
                            "PathIsDirectory", ErrorCategory.InvalidArgument, path));
                        continue;
                    }
                    if (!File.Exists(full))
                    {
                        WriteError(new ErrorRecord(new ItemNotFoundException($"The backup file '{full}' does not exist."), "BackupNotFound", ErrorCategory.ObjectNotFound, path));
                        continue;
                    }
                    resolved.Add(full);
                }
                else
                {
                    var matches = GetResolvedProviderPathFromPSPath(path, out var provider);
                    if (!IsFileSystem(provider, path)) continue;
                    foreach (var match in matches)
                    {
                        if (Directory.Exists(match))
                            WriteError(new ErrorRecord(new ArgumentException($"'{match}' is a directory, not a backup file. Use Get-RedisBackup -Path to list a catalog."),
                                "PathIsDirectory", ErrorCategory.InvalidArgument, match));
                        else
                            resolved.Add(match);
                    }
                }
            }
            catch (ItemNotFoundException ex)
            {
                WriteError(new ErrorRecord(ex, "BackupNotFound", ErrorCategory.ObjectNotFound, path));
                continue;
            }
            foreach (var r in resolved) yield return r;
        }
    }

    private bool IsFileSystem(ProviderInfo provider, string path)
    {
        if (string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase)) return true;
        WriteError(new ErrorRecord(new ArgumentException($"'{path}' is a {provider.Name} path; backups are files."), "NotAFileSystemPath", ErrorCategory.InvalidArgument, path));
        return false;
    }

    /// <summary>The shared connection parameters as plain values; the credential's password is read only here.</summary>
    private protected ConnectionValues Connection(string? container, string? hostName, int? port, string? uri, PSCredential? credential,
        SwitchParameter useTls, string? tlsCaFile, SwitchParameter skipCertificateCheck)
    {
        var hasCredential = credential is not null && credential != PSCredential.Empty;
        return new ConnectionValues
        {
            Container = container,
            HostName = hostName,
            Port = port,
            Uri = uri,
            UserName = hasCredential ? credential!.UserName : null,
            Password = hasCredential ? credential!.GetNetworkCredential().Password : null,
            UseTls = useTls.IsPresent,
            TlsCaFile = tlsCaFile is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(tlsCaFile),
            SkipCertificateCheck = skipCertificateCheck.IsPresent,
        };
    }

    /// <summary>A ShouldProcess message that lists every step a run would take (what -WhatIf prints).</summary>
    protected static string DescribeSteps(string headline, IReadOnlyList<string> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        return headline + Environment.NewLine + string.Join(Environment.NewLine, steps.Select((s, i) => $"  {i + 1}. {s}"));
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed) return;
        if (disposing) _cancellation?.Dispose();
        _disposed = true;
    }
}
