using System.Diagnostics;
using System.Globalization;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Cli.Output;

/// <summary>
/// Renders engine progress on stderr: every step as its own line, and, on a terminal, counter updates as one line
/// rewritten in place (throttled). Synchronous and locked, because the engine may report from any thread.
/// </summary>
internal sealed class ConsoleProgress(TextWriter error, bool live, int width) : IProgress<OperationProgress>, IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly object _gate = new();
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private bool _lineShown;

    public void Report(OperationProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            if (value.IsStep)
            {
                ClearLine();
                error.WriteLine(value.Status);
                error.Flush();
                return;
            }
            if (!live || (_lineShown && _sinceLast.Elapsed < Interval)) return;
            var text = Describe(value);
            if (text.Length > width - 1) text = text[..Math.Max(0, width - 1)];
            error.Write("\r" + text + "\u001b[K");
            error.Flush();
            _lineShown = true;
            _sinceLast.Restart();
        }
    }

    /// <summary>"db 0: 1200 of 5000 keys  24%  3.1 MiB".</summary>
    internal static string Describe(OperationProgress p)
    {
        var parts = new List<string> { p.Status.Length > 0 ? p.Status : p.Activity };
        if (p.Percent is { } percent) parts.Add(percent.ToString(CultureInfo.InvariantCulture) + "%");
        if (p.Bytes > 0) parts.Add(HumanFormat.Size(p.Bytes));
        return string.Join("  ", parts);
    }

    private void ClearLine()
    {
        if (!_lineShown) return;
        error.Write("\r\u001b[K");
        _lineShown = false;
    }

    /// <summary>Removes the live line so later output starts on a clean line.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            ClearLine();
            error.Flush();
        }
    }
}
