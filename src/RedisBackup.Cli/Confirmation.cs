using RedisBackup.Cli.Output;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Cli;

/// <summary>
/// The confirmation a destructive restore (--flush) needs when --yes was not given: a question on a terminal,
/// a refusal (exit code 2) anywhere else, so a script never empties a database by accident.
/// </summary>
internal static class Confirmation
{
    public static async Task RequireFlushAsync(CommandOutput output, RestoreRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(request);
        var target = request.Container is null ? RestoreOperation.TargetText(request) : $"container '{request.Container}'";
        var what = $"--flush empties each target database on {target} (FLUSHDB) before restoring {Path.GetFileName(request.Path)}";
        var host = output.Host;
        if (output.IsJson || !host.InputIsTerminal || !host.ErrorIsTerminal)
        {
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.ConfirmationRequired,
                $"{what}. Add --yes to confirm it; without --yes a non-interactive restore with --flush is refused. Nothing was changed.");
        }
        host.Error.Write($"{what}.{Environment.NewLine}Type 'yes' to continue: ");
        host.Error.Flush();
        // Ctrl+C at the prompt cancels the token (see ShutdownSignals); the blocked read must not keep the process alive.
        var read = Task.Run(host.In.ReadLine, CancellationToken.None);
        await Task.WhenAny(read, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var answer = await read.ConfigureAwait(false);
        if (!string.Equals(answer?.Trim(), "yes", StringComparison.OrdinalIgnoreCase))
            throw new RedisBackupException(ErrorKind.InvalidArgument, ErrorIds.ConfirmationDeclined, "The restore with --flush was not confirmed. Nothing was changed.");
    }
}
