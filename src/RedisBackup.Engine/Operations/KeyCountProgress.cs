using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Operations;

/// <summary>
/// Gives a live restore's key counters the total they lack (the writer cannot know it before the last record), from
/// the key count the verification or the backup's metadata found, so fronts can show a percentage.
/// </summary>
internal sealed class KeyCountProgress(IProgress<OperationProgress> inner, long keys) : IProgress<OperationProgress>
{
    public void Report(OperationProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        inner.Report(value.IsStep || value.Total is not null
            ? value
            : value with { Total = Math.Max(keys, value.Done), Status = $"{value.Done} of {Math.Max(keys, value.Done)} keys" });
    }

    /// <summary><paramref name="progress"/> with totals filled in when the key count is known; otherwise unchanged.</summary>
    public static IProgress<OperationProgress>? Wrap(IProgress<OperationProgress>? progress, long? keys)
        => progress is null || keys is not > 0 ? progress : new KeyCountProgress(progress, keys.Value);
}
