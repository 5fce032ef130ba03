using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Restore;

/// <summary>
/// Restores a backup's function libraries into a live server, before its keys, following the key policy:
/// skip → <c>FUNCTION RESTORE payload APPEND</c>, replace → <c>REPLACE</c>, flush → <c>FLUSH</c>. When that one command
/// fails (a library the target already has, in skip mode; a library the target cannot compile), the libraries go one
/// at a time, so each is counted on its own: one already there is skipped (skip) and the others restored. A target
/// older than the payload's RDB version (it refuses the payload) gets each library's source code with
/// <c>FUNCTION LOAD [REPLACE]</c> instead (flush: after <c>FUNCTION FLUSH</c>). Every library ends restored, skipped or
/// failed with the server's reason (an ACL user without <c>+function</c>: NOPERM); a failure makes the restore
/// unsuccessful but does not stop the keys.
/// </summary>
internal static class FunctionRestorer
{
    /// <summary>
    /// As <see cref="RestoreAsync"/>, unless the restore is filtered (<see cref="RestoreOptions.Filters"/>: <c>--db</c>,
    /// <c>--match</c>, <c>--type</c> select keys, and function libraries are not keys, nor in any database): then nothing
    /// is sent and every library is counted in <see cref="FunctionRestoreResult.NotSelected"/>, which the fronts show.
    /// </summary>
    public static async Task<FunctionRestoreResult> RestoreUnlessFilteredAsync(RedisConnection conn, FunctionLibraries functions, RestoreOptions options,
        IReadOnlyDictionary<string, string> serverInfo, IProgress<OperationProgress>? progress, string activity, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Filters) return await RestoreAsync(conn, functions, options.ExistingKeys, serverInfo, progress, activity, ct).ConfigureAwait(false);
        progress?.Report(OperationProgress.Step(activity, $"The {functions.Count} function libraries of the backup are left out: the restore is filtered to keys (--db, --match, --type)"));
        return new FunctionRestoreResult { Libraries = functions.Count, NotSelected = functions.Count, Method = "none", NotSelectedLibraries = functions.Names };
    }

    public static async Task<FunctionRestoreResult> RestoreAsync(RedisConnection conn, FunctionLibraries functions, ExistingKeyPolicy policy,
        IReadOnlyDictionary<string, string> serverInfo, IProgress<OperationProgress>? progress, string activity, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(conn);
        ArgumentNullException.ThrowIfNull(functions);
        var readable = RdbVersions.MaxReadableBy(serverInfo);
        var payloadAccepted = readable is null || functions.Version <= readable;
        var methods = new List<string>(2);
        if (payloadAccepted)
        {
            var reply = await RunAsync(conn, ["FUNCTION", "RESTORE", functions.Payload, PolicyArgument(policy)], ct).ConfigureAwait(false);
            if (!reply.IsError)
                return new FunctionRestoreResult { Libraries = functions.Count, Restored = functions.Count, Method = "restore" };
            var text = reply.AsString() ?? "";
            if (IsVersionRefusal(text)) payloadAccepted = false;
            progress?.Report(OperationProgress.Step(activity, $"FUNCTION RESTORE of the {functions.Count} function libraries was refused ({text}): restoring them one at a time"));
        }
        else
        {
            progress?.Report(OperationProgress.Step(activity,
                $"The target reads RDB versions up to {readable}, older than the function payload's {functions.Version}: loading the {functions.Count} libraries from their source code (FUNCTION LOAD)"));
        }

        if (policy == ExistingKeyPolicy.Flush)
        {
            var flushed = await RunAsync(conn, ["FUNCTION", "FLUSH"], ct).ConfigureAwait(false);
            if (flushed.IsError)
            {
                var reason = "FUNCTION FLUSH failed: " + flushed.AsString();
                return new FunctionRestoreResult
                {
                    Libraries = functions.Count, Failed = functions.Count, Method = payloadAccepted ? "restore" : "load",
                    Failures = functions.Names.Select(n => new FunctionFailure(n, reason)).ToArray(),
                };
            }
        }
        int restored = 0, skipped = 0;
        var skippedNames = new List<string>();
        var failures = new List<FunctionFailure>();
        for (var i = 0; i < functions.Count; i++)
        {
            RespValue reply;
            if (payloadAccepted)
            {
                reply = await RunAsync(conn, policy == ExistingKeyPolicy.Replace
                    ? ["FUNCTION", "RESTORE", functions.PayloadOf(i), "REPLACE"]
                    : ["FUNCTION", "RESTORE", functions.PayloadOf(i)], ct).ConfigureAwait(false);
                if (reply.IsError && IsVersionRefusal(reply.AsString() ?? "")) payloadAccepted = false;
                else Note(methods, "restore");
            }
            else reply = RespValue.Nil;
            if (!payloadAccepted)
            {
                Note(methods, "load");
                reply = await RunAsync(conn, policy == ExistingKeyPolicy.Replace
                    ? ["FUNCTION", "LOAD", "REPLACE", functions.Code[i]]
                    : ["FUNCTION", "LOAD", functions.Code[i]], ct).ConfigureAwait(false);
            }
            if (!reply.IsError)
            {
                restored++;
                continue;
            }
            var text = reply.AsString() ?? "";
            if (policy == ExistingKeyPolicy.Skip && IsLibraryCollision(text))
            {
                skipped++;
                skippedNames.Add(functions.Names[i]);
            }
            else failures.Add(new FunctionFailure(functions.Names[i], Explain(text)));
        }
        return new FunctionRestoreResult
        {
            Libraries = functions.Count,
            Restored = restored,
            Skipped = skipped,
            Failed = failures.Count,
            Method = methods.Count == 0 ? "restore" : string.Join(", ", methods),
            SkippedLibraries = skippedNames,
            Failures = failures,
        };
    }

    private static void Note(List<string> methods, string method)
    {
        if (!methods.Contains(method)) methods.Add(method);
    }

    /// <summary>Runs one command; an authentication failure ends the restore, any other error reply is returned.</summary>
    private static async Task<RespValue> RunAsync(RedisConnection conn, RedisArg[] args, CancellationToken ct)
    {
        var reply = await conn.ExecuteRawAsync(args, ct).ConfigureAwait(false);
        if (reply.IsError)
        {
            var text = reply.AsString() ?? "";
            if (text.StartsWith("NOAUTH", StringComparison.Ordinal) || text.StartsWith("WRONGPASS", StringComparison.Ordinal))
                throw RedisServerException.FromReply(text, "FUNCTION");
        }
        return reply;
    }

    private static string PolicyArgument(ExistingKeyPolicy policy) => policy switch
    {
        ExistingKeyPolicy.Replace => "REPLACE",
        ExistingKeyPolicy.Flush => "FLUSH",
        _ => "APPEND",
    };

    /// <summary>"ERR DUMP payload version or checksum are wrong": the target is older than the payload's RDB version.</summary>
    private static bool IsVersionRefusal(string text) => text.Contains("payload version or checksum", StringComparison.OrdinalIgnoreCase);

    /// <summary>"ERR Library 'x' already exists" (a library of that name is there; a function name taken by another library is a failure).</summary>
    private static bool IsLibraryCollision(string text)
        => text.Contains("Library", StringComparison.Ordinal) && text.Contains("already exists", StringComparison.Ordinal);

    private static string Explain(string text)
        => text.StartsWith("NOPERM", StringComparison.Ordinal)
            ? text + " (the restoring user needs +function|restore, or +function|load for a target older than the backup's server; +function grants both)"
            : text;
}
