using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Restore;

/// <summary>Progress: the count of keys done, reported every 5000 keys and at the end.</summary>
internal sealed partial class KeyWritePipeline
{
    private long _lastReport;

    private void Report(bool force)
    {
        if (_progress is null) return;
        var done = Total;
        if (!force && done - _lastReport < 5000) return;
        _lastReport = done;
        _progress.Report(new OperationProgress
        {
            Activity = _activity,
            Status = $"{done} keys",
            Done = done,
        });
    }
}
