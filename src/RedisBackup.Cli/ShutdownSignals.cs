using System.Runtime.InteropServices;

namespace RedisBackup.Cli;

/// <summary>
/// Turns Ctrl+C (SIGINT) and SIGTERM into a cancelled token, so the running operation stops cleanly, removes its
/// partial file and the process exits with 130. A second SIGINT or SIGTERM ends the process at once with 130, whatever
/// it is blocked in: a partial file it leaves is removed by the next backup run (and reported by stats until then).
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly Action<int> _exit;
    private readonly TextWriter _error;
    private int _signals;

    /// <param name="exit">Ends the process (tests pass their own); default <see cref="Environment.Exit"/>.</param>
    public ShutdownSignals(TextWriter? error = null, Action<int>? exit = null)
    {
        _error = error ?? Console.Error;
        _exit = exit ?? Environment.Exit;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
    }

    public CancellationToken Token => _cancellation.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the runtime's own handling never runs: the first signal cancels, the second exits here
        if (Interlocked.Increment(ref _signals) == 1)
        {
            _cancellation.Cancel();
            return;
        }
        try
        {
            _error.WriteLine("redis-backup: error: interrupted again; stopping now. A partial file left behind is removed by the next backup run.");
            _error.Flush();
        }
        catch (IOException)
        {
            // stderr is gone: exit anyway
        }
        _exit(ExitCodes.Cancelled);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _cancellation.Dispose();
    }
}
