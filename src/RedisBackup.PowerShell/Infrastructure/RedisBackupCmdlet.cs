using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;

namespace RedisBackup.PowerShell.Infrastructure;

/// <summary>
/// The base of every RedisBackup cmdlet: owns the cancellation token (created in BeginProcessing, cancelled by
/// Ctrl+C through StopProcessing, disposed with the cmdlet), runs engine tasks on the pipeline thread while
/// turning their progress into Write-Progress and Write-Verbose, resolves the backups a cmdlet is given, and turns
/// engine errors into error records.
/// </summary>
/// <remarks>
/// Errors follow the cmdlet guidelines: a cmdlet stops (terminating error) only when it cannot go on with any input,
/// i.e. when its own arguments are wrong; a failure of one backup, one path or one name is a non-terminating error,
/// and the other inputs still run.
/// </remarks>
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

    /// <summary>Writes a non-terminating error about <paramref name="item"/> for an expected failure and returns true; false for a bug, which the caller rethrows.</summary>
    protected bool TryWriteError(Exception exception, object? item)
    {
        var record = ErrorMapping.TryForItem(exception, item);
        if (record is null) return false;
        WriteError(record);
        return true;
    }

    /// <summary>Writes a non-terminating engine error about <paramref name="item"/>.</summary>
    protected void WriteEngineError(RedisBackupException exception, object? item) => WriteError(ErrorMapping.ForItem(exception, item));

    /// <summary>Stops the cmdlet: its arguments are wrong, so no input could succeed.</summary>
    protected void ThrowArgumentError(RedisBackupException exception) => ThrowTerminatingError(ErrorMapping.ForArguments(exception));

    /// <summary>A catalog directory resolved against PowerShell's current location (not the process's).</summary>
    protected string ResolveCatalogDirectory(string? path)
        => SessionState.Path.GetUnresolvedProviderPathFromPSPath(RequestFactory.CatalogDirectoryText(path));

    /// <summary>
    /// The backup files named by -Path (wildcards expanded; only backup files match, never their sidecars) or
    /// -LiteralPath (a sidecar or other catalog file given literally, as Get-ChildItem of a catalog pipes it, is
    /// skipped with a verbose note). An input that names no backup is reported with WriteError and skipped, so the
    /// other inputs still run.
    /// </summary>
    protected IEnumerable<string> ResolveFilePaths(IEnumerable<string> paths, bool literal)
    {
        ArgumentNullException.ThrowIfNull(paths);
        foreach (var path in paths)
        {
            List<string> resolved = [];
            var full = FullPathOrSelf(path);
            try
            {
                if (literal || !WildcardPattern.ContainsWildcardCharacters(path))
                {
                    full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
                    if (!IsFileSystem(provider, path, full)) continue;
                    if (Directory.Exists(full))
                    {
                        WriteError(NotABackupFile($"'{full}' is a directory, not a backup file. Use -CatalogPath to name a catalog, or Get-RedisBackup -CatalogPath to list one.", ErrorIds.PathIsDirectory, full));
                        continue;
                    }
                    if (!File.Exists(full))
                    {
                        WriteError(NotFound($"The backup file '{full}' does not exist.", full));
                        continue;
                    }
                    if (BackupFileNames.IsCatalogFile(System.IO.Path.GetFileName(full)))
                    {
                        WriteVerbose($"Skipped {full}: it is a catalog file (a backup's metadata or checksum, a temporary file, the lock or the journal), not a backup.");
                        continue;
                    }
                    resolved.Add(full);
                }
                else
                {
                    var matches = GetResolvedProviderPathFromPSPath(path, out var provider);
                    if (!IsFileSystem(provider, path, full)) continue;
                    resolved.AddRange(matches.Where(m => File.Exists(m) && BackupFileNames.IsBackup(System.IO.Path.GetFileName(m))));
                    if (resolved.Count == 0)
                    {
                        WriteError(NotFound($"No backup file matches '{full}'.", full));
                        continue;
                    }
                }
            }
            catch (Exception ex) when (ex is SessionStateException or ProviderInvocationException or NotSupportedException or ArgumentException)
            {
                // A path that does not resolve (no such drive or provider, nothing matches): this input only.
                WriteError(NotFound($"'{path}' names no backup file: {ex.Message}", full));
                continue;
            }
            foreach (var r in resolved) yield return r;
        }
    }

    /// <summary>
    /// The backup files named by -Name in a catalog: exact names, or wildcard patterns matched against the catalog's
    /// backups. A name that is not valid, or that matches no backup, is reported with WriteError and skipped.
    /// </summary>
    protected IEnumerable<string> ResolveNames(IEnumerable<string> names, string catalogDirectory)
    {
        ArgumentNullException.ThrowIfNull(names);
        var catalog = new BackupCatalog(catalogDirectory);
        foreach (var name in names)
        {
            List<string> resolved = [];
            try
            {
                if (WildcardPattern.ContainsWildcardCharacters(name))
                {
                    resolved.AddRange(catalog.List(name).Select(b => b.Path));
                    if (resolved.Count == 0)
                        throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"No backup in {catalog.Directory} matches '{name}'.", name);
                }
                else
                {
                    resolved.Add(catalog.Get(name).Path);
                }
            }
            catch (RedisBackupException ex)
            {
                WriteEngineError(ex, System.IO.Path.Combine(catalog.Directory, name));
                continue;
            }
            foreach (var r in resolved) yield return r;
        }
    }

    private string FullPathOrSelf(string path)
    {
        try
        {
            return SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        }
        catch (Exception ex) when (ex is SessionStateException or ProviderInvocationException or NotSupportedException or ArgumentException)
        {
            return path;
        }
    }

    private static ErrorRecord NotFound(string message, string target)
        => ErrorMapping.ForItem(new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, message, target), target);

    private static ErrorRecord NotABackupFile(string message, string errorId, string target)
        => ErrorMapping.ForItem(new RedisBackupException(ErrorKind.InvalidArgument, errorId, message, target), target);

    private bool IsFileSystem(ProviderInfo provider, string path, string full)
    {
        if (string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase)) return true;
        WriteError(NotABackupFile($"'{path}' is a {provider.Name} path; backups are files.", ErrorIds.NotAFileSystemPath, full));
        return false;
    }

    /// <summary>The shared connection parameters as plain values; the credential's password is read only here.</summary>
    private protected ConnectionValues Connection(string? container, string? hostName, int? port, string? uri, PSCredential? credential,
        SwitchParameter useTls, string? tlsCaFile, SwitchParameter skipCertificateCheck, string? tlsCertificatePath = null, string? tlsKeyPath = null, string? tlsServerName = null)
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
            TlsCertificatePath = tlsCertificatePath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(tlsCertificatePath),
            TlsKeyPath = tlsKeyPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(tlsKeyPath),
            TlsServerName = tlsServerName,
        };
    }

    /// <summary>A ShouldProcess message that lists every step of the plan by its number (what -WhatIf prints).</summary>
    protected static string DescribeSteps(string headline, OperationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return headline + Environment.NewLine + string.Join(Environment.NewLine, plan.Steps.Select(s => $"  {s.Number}. {s.Text}"));
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
