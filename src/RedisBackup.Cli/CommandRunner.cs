using System.Text.Json.Nodes;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;

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
            ReportError(output, ErrorIds.Cancelled, "cancelled", "Cancelled. Nothing partial was kept.");
            return ExitCodes.Cancelled;
        }
        catch (RestoreInterruptedException ex)
        {
            // A restore that stopped part-way: the message says how far it got, and --json carries the counts as "result".
            foreach (var failure in ex.Partial.Failures.Take(10))
                output.Problem($"key '{failure.Key}' (db {failure.Database}) failed: {failure.Reason}");
            ReportError(output, ex.ErrorId, JsonOutput.EnumName(ex.Kind), ex.Message, JsonOutput.ToNode(ex.Partial));
            return ExitCodes.For(ex.Kind);
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
            ReportError(output, ErrorIds.UnexpectedError, "unexpected", $"{ex.GetType().Name}: {ex.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>
    /// Reports a failure in the form the output mode asks for. Errors reach stderr even with --quiet. With --json,
    /// <paramref name="result"/> (what was done before the failure, e.g. a restore's counts) goes beside the error.
    /// </summary>
    public static void ReportError(CommandOutput output, string id, string kind, string message, JsonNode? result = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Host.Error.WriteLine("redis-backup: error: " + HumanFormat.Line(message));
        output.Host.Error.Flush();
        if (output.IsJson)
        {
            var document = new JsonObject
            {
                ["error"] = new JsonObject { ["id"] = id, ["kind"] = kind, ["message"] = message },
            };
            if (result is not null) document["result"] = result;
            output.Json(document);
        }
    }
}
