namespace RedisBackup.Cli;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        using var signals = new ShutdownSignals();
        var code = await CliApp.RunAsync(args, CliHost.FromConsole(), signals.Token).ConfigureAwait(false);
        return signals.Token.IsCancellationRequested && code != ExitCodes.Success ? ExitCodes.Cancelled : code;
    }
}
