namespace RedisBackup.Cli.Output;

/// <summary>How a command reports: human text, nothing on success (--quiet), or one JSON document (--json).</summary>
internal enum OutputMode
{
    Human,
    Quiet,
    Json,
}

internal static class OutputModes
{
    /// <summary>--json wins over --quiet: a script that asked for JSON gets it.</summary>
    public static OutputMode From(bool json, bool quiet) => json ? OutputMode.Json : quiet ? OutputMode.Quiet : OutputMode.Human;
}
