using System.Text.Json.Nodes;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Cli;

/// <summary>
/// Runs one command body and turns every failure into its exit code and its report: the message on stderr,
/// and with --json also {"error":{"id","kind","message"}} on stdout. The only place exceptions are caught.
/// </summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(CommandOutput output, Func<Task<int>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ReportError(output, "Cancelled", "cancelled", "Cancelled. Nothing partial was kept.");
            return ExitCodes.Cancelled;
        }
        catch (RedisBackupException ex)
        {
            ReportError(output, ex.ErrorId, JsonOutput.EnumName(ex.Kind), ex.Message);
            return ExitCodes.For(ex.Kind);
        }
#pragma warning disable CA1031 // The CLI's last line of defence: any other failure is reported and becomes exit code 1, never a crash dump.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ReportError(output, "UnexpectedError", "unexpected", $"{ex.GetType().Name}: {ex.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>Reports a failure in the form the output mode asks for. Errors reach stderr even with --quiet.</summary>
    public static void ReportError(CommandOutput output, string id, string kind, string message)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Host.Error.WriteLine("redis-backup: error: " + HumanFormat.Line(message));
        output.Host.Error.Flush();
        if (output.IsJson)
        {
            output.Json(new JsonObject
            {
                ["error"] = new JsonObject { ["id"] = id, ["kind"] = kind, ["message"] = message },
            });
        }
    }
}
