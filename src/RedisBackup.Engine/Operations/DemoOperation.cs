using RedisBackup.Engine.Demo;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Operations;

/// <summary>What the demo did, step by step, and whether every restore matched the source.</summary>
public sealed record DemoResult
{
    /// <summary>One line per step, in order.</summary>
    public required IReadOnlyList<string> Steps { get; init; }

    /// <summary>Keys in the sample dataset.</summary>
    public int Keys { get; init; }

    /// <summary>True when every restore matched the source (DEBUG DIGEST of the whole dataset, and the TTL keys' expiry).</summary>
    public bool AllIdentical { get; init; }
}

/// <summary>
/// The product end to end with nothing of the user's: starts a throwaway redis-server holding a small sample dataset,
/// takes a logical key-level backup, an exact one and an RDB snapshot over replication, verifies them, restores each
/// into a second throwaway server, compares it with the source (DEBUG DIGEST, TTLs), then stops both servers and
/// deletes every file it made. The fronts (redis-backup demo, build.ps1 -Demo) only print the steps.
/// </summary>
public static class DemoOperation
{
    public static async Task<DemoResult> RunAsync(string? serverPath = null, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        const string activity = "Demo";
        var steps = new List<string>();
        void Step(string line)
        {
            steps.Add(line);
            progress?.Report(OperationProgress.Step(activity, line));
        }

        var server = ThrowawayServer.FindServer(serverPath);
        var catalogDir = Path.Combine(Path.GetTempPath(), "redisbackup-demo-" + Guid.NewGuid().ToString("N"));
        int keys;
        bool identical;
        try
        {
            await using var source = await ThrowawayServer.StartAsync(server, cancellationToken).ConfigureAwait(false);
            await using var target = await ThrowawayServer.StartAsync(server, cancellationToken).ConfigureAwait(false);
            string version;
            await using (var c = await RedisConnection.ConnectAsync(source.Endpoint, cancellationToken).ConfigureAwait(false))
            {
                keys = await DemoDataset.LoadAsync(c, cancellationToken).ConfigureAwait(false);
                var info = await c.InfoAsync("server", cancellationToken).ConfigureAwait(false);
                version = info.GetValueOrDefault("valkey_version") ?? info.GetValueOrDefault("redis_version") ?? "unknown";
            }
            Step($"Started two throwaway servers ({Path.GetFileName(server)} {version}): source {source.Endpoint}, target {target.Endpoint}");
            Step($"Loaded {keys} sample keys into the source: {DemoDataset.Users} user hashes, {DemoDataset.Documents} documents with {DemoDataset.VectorDimensions}-dimension float32 embeddings, " +
                 $"{DemoDataset.Sessions} session keys with TTLs, a list, a set, a sorted set, a stream and a key in database 1");
            var sourceDigest = await DigestAsync(source.Endpoint, cancellationToken).ConfigureAwait(false);

            var backups = new List<(string What, BackupRecord Backup)>();
            foreach (var (what, request) in new (string, BackupRequest)[]
            {
                ("logical key-level backup", new BackupRequest { Kind = BackupKind.KeyLevel, Endpoint = source.Endpoint, Directory = catalogDir }),
                ("exact key-level backup (DUMP payloads)", new BackupRequest { Kind = BackupKind.KeyLevel, Endpoint = source.Endpoint, Directory = catalogDir, Exact = true }),
                ("RDB snapshot over replication", new BackupRequest { Kind = BackupKind.Snapshot, Endpoint = source.Endpoint, Directory = catalogDir, Compress = true }),
            })
            {
                var outcome = await BackupOperation.RunAsync(request, null, cancellationToken).ConfigureAwait(false);
                backups.Add((what, outcome.Backup));
                Step($"Backed up ({what}): {outcome.Backup.Name}, {outcome.Backup.SizeBytes:N0} bytes, {outcome.Backup.KeyCount} keys");
            }

            foreach (var (_, backup) in backups)
            {
                var check = await VerifyOperation.RunAsync(backup.Path, deep: true, null, cancellationToken).ConfigureAwait(false);
                if (!check.IsValid)
                    throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.DemoVerificationFailed, $"{backup.Name} failed verification: {string.Join("; ", check.Problems)}", backup.Path);
                Step($"Verified {backup.Name}: SHA-256 {(check.ChecksumMatches == true ? "matches" : "not recorded")}, structure and every value decoded, {check.KeyCount} keys");
            }

            identical = true;
            foreach (var (what, backup) in backups)
            {
                var restored = await RestoreOperation.RunAsync(new RestoreRequest
                {
                    Path = backup.Path,
                    Endpoint = target.Endpoint,
                    Options = new RestoreOptions { ExistingKeys = ExistingKeyPolicy.Flush },
                }, null, cancellationToken).ConfigureAwait(false);
                var digest = await DigestAsync(target.Endpoint, cancellationToken).ConfigureAwait(false);
                var ttls = await TtlsMatchAsync(source.Endpoint, target.Endpoint, cancellationToken).ConfigureAwait(false);
                var same = digest == sourceDigest && ttls && restored.Failed == 0;
                identical &= same;
                Step($"Restored the {what} into the emptied target: {restored.Restored} keys in {restored.Duration.TotalSeconds:0.00} s; " +
                     (same ? $"DEBUG DIGEST {digest[..16]}… and every TTL match the source" : $"MISMATCH: target digest {digest}, source {sourceDigest}, TTLs {(ttls ? "match" : "differ")}, {restored.Failed} keys failed"));
            }
        }
        finally
        {
            try { if (Directory.Exists(catalogDir)) Directory.Delete(catalogDir, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        Step("Stopped both servers and deleted the demo catalog and the servers' directories");
        return new DemoResult { Steps = steps, Keys = keys, AllIdentical = identical };
    }

    private static async Task<string> DigestAsync(RedisEndpoint endpoint, CancellationToken ct)
    {
        await using var c = await RedisConnection.ConnectAsync(endpoint, ct).ConfigureAwait(false);
        return (await c.ExecuteAsync(ct, "DEBUG", "DIGEST").ConfigureAwait(false)).ThrowIfError().AsString()!;
    }

    /// <summary>The session keys expire at the same moment (to the second) on both servers.</summary>
    private static async Task<bool> TtlsMatchAsync(RedisEndpoint source, RedisEndpoint target, CancellationToken ct)
    {
        await using var a = await RedisConnection.ConnectAsync(source, ct).ConfigureAwait(false);
        await using var b = await RedisConnection.ConnectAsync(target, ct).ConfigureAwait(false);
        for (var i = 0; i < DemoDataset.Sessions; i++)
        {
            var x = (await a.ExecuteAsync(ct, "PEXPIRETIME", $"session:{i}").ConfigureAwait(false)).AsInt64();
            var y = (await b.ExecuteAsync(ct, "PEXPIRETIME", $"session:{i}").ConfigureAwait(false)).AsInt64();
            if (x <= 0 || Math.Abs(x - y) > 1000) return false;
        }
        return true;
    }
}
