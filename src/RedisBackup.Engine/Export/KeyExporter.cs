using System.Threading.Channels;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.IO;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Redis;

namespace RedisBackup.Engine.Export;

/// <summary>Options of a key-level export.</summary>
internal sealed record KeyExportOptions
{
    public IReadOnlyList<int>? Databases { get; init; }
    public string? Match { get; init; }
    public IReadOnlyList<string>? Types { get; init; }
    public bool Exact { get; init; }

    /// <summary>Clock for the header time and the absolute expiry times (tests may pin it). Null means the system clock.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>
    /// The file the key index spills to when it outgrows memory (created only then, owner-only, and removed at once;
    /// see <see cref="RepeatedKeyDetector"/>). A backup puts it beside its partial file; null means the system's
    /// temporary directory.
    /// </summary>
    internal string? SpillPath { get; init; }

    /// <summary>Keys the key index holds in memory before it writes a sorted run to the spill file (tests make it small).</summary>
    internal int IndexRunCapacity { get; init; } = SpillSorter.DefaultRunCapacity;

    /// <summary>
    /// Exact mode: a key whose DUMP payload is longer than this many bytes is written as logical records instead
    /// (tests make it small).
    /// </summary>
    internal long ExactLimit { get; init; } = KeyScanner.DefaultExactLimit;
}

/// <summary>
/// One pass of an export: what it wrote, the keys it wrote more than once, and whether its header lacks a requirement.
/// Disposing it deletes the spill file.
/// </summary>
internal sealed class KeyExportPass(KeyExportSummary summary, RepeatedKeys? repeats, RepeatedKeyDetector detector) : IDisposable
{
    /// <summary>What the file holds as written (repeats included, in <see cref="KeyExportSummary.Keys"/> and the trailer).</summary>
    public KeyExportSummary Summary { get; } = summary;

    /// <summary>The later occurrences of keys written twice; null when there are none.</summary>
    public RepeatedKeys? Repeats { get; } = repeats;

    /// <summary>
    /// The file holds logical stream records, so its header must require <c>streamRecords</c>, which the pass's header
    /// (written before any key) does not.
    /// </summary>
    public bool NeedsStreamRecords => Summary.StreamsAsRecords > 0;

    /// <summary>
    /// The file must be written a second time (<see cref="KeyFileRewriter"/>): without the repeats, with the header's
    /// missing requirement, or both. False for almost every export: the file is final as it is.
    /// </summary>
    public bool NeedsRewrite => Repeats is not null || NeedsStreamRecords;

    /// <summary>The spill file of the pass (the key index's), for a copy of the file the rewrite reads from.</summary>
    public LazySpillFile Spill => detector.Spill;

    public void Dispose() => detector.Dispose();
}

/// <summary>
/// Reads every selected key of a live server and writes our gzip JSON Lines format to a stream. A key that SCAN
/// returned more than once is written once: the export notes every key it writes in a <see cref="RepeatedKeyDetector"/>
/// (bounded memory) and, in the rare export where the keyspace shrank during the scan and a key came twice, writes the
/// file a second time without the later occurrences (<see cref="KeyFileRewriter"/>). The other rare case takes the same
/// second pass: a stream over the exact limit is written as logical stream records, which the header (written before
/// any key, without <c>streamRecords</c>) must require, so the file is written again with the requirement.
/// </summary>
internal static class KeyExporter
{
    /// <param name="destination">
    /// Receives the gzip-compressed file; left open. It must be readable and seekable (a file or memory): in the rare
    /// export that finds a key written twice or writes a stream as stream records, the file is rewritten from what was written.
    /// </param>
    public static async Task<KeyExportSummary> ExportAsync(RedisEndpoint source, KeyExportOptions options, Stream destination, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanRead || !destination.CanWrite || !destination.CanSeek)
            throw new ArgumentException("The export's destination must be readable, writable and seekable: an export that finds a key written twice or a stream over the limit rewrites it.", nameof(destination));
        var start = destination.Position;
        using var pass = await ExportPassAsync(source, options, destination, progress, cancellationToken).ConfigureAwait(false);
        if (!pass.NeedsRewrite) return pass.Summary;

        // Copy what was written aside (to the spill file) and write the destination again from it, without the repeats
        // and with the header's requirements.
        var spill = pass.Spill.File;
        var length = destination.Position - start;
        var copyAt = spill.Length;
        destination.Position = start;
        var chunk = new byte[1 << 16];
        for (var left = length; left > 0;)
        {
            var n = await destination.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, left)), cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new IOException("The export's destination is shorter than what was written to it.");
            spill.Append(chunk.AsSpan(0, n));
            left -= n;
        }
        destination.SetLength(start);
        destination.Position = start;
        var copy = spill.OpenRead(copyAt, length);
        await using (copy.ConfigureAwait(false))
            return await KeyFileRewriter.RewriteAsync(copy, pass.Repeats, pass.NeedsStreamRecords, pass.Summary, destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the export into <paramref name="destination"/> (any writable stream; left open) and finds the keys it wrote
    /// more than once. The caller writes the file again when <see cref="KeyExportPass.NeedsRewrite"/> (without the repeats,
    /// with <c>streamRecords</c> required; the backup operation does so into a second partial file, checked as it is
    /// written) and disposes the pass.
    /// </summary>
    internal static async Task<KeyExportPass> ExportPassAsync(RedisEndpoint source, KeyExportOptions options, Stream destination, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(destination);
        DatabaseNumbers.Check(options.Databases, "A database to back up");
        var clock = options.Clock ?? TimeProvider.System;
        var activity = $"Backing up keys from {source}";

        var detector = new RepeatedKeyDetector(
            options.SpillPath ?? Path.Combine(Path.GetTempPath(), $".redis-backup-{Guid.NewGuid().ToString("N")[..12]}{SpillSuffix}"), options.IndexRunCapacity);
        try
        {
            var (summary, repeats) = await WriteAsync(source, options, destination, detector, clock, activity, progress, cancellationToken).ConfigureAwait(false);
            return new KeyExportPass(summary, repeats, detector);
        }
        catch
        {
            detector.Dispose();
            throw;
        }
    }

    /// <summary>The end of a spill file's name: hidden and partial, like every temporary file of a catalog.</summary>
    internal const string SpillSuffix = ".keyindex.partial";

    private static async Task<(KeyExportSummary Summary, RepeatedKeys? Repeats)> WriteAsync(RedisEndpoint source, KeyExportOptions options, Stream destination,
        RepeatedKeyDetector detector, TimeProvider clock, string activity, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var conn = await RedisConnection.ConnectBlockingAsync(source, cancellationToken).ConfigureAwait(false);
        await using (conn.ConfigureAwait(false))
        {
            var server = await conn.InfoAsync("server", cancellationToken).ConfigureAwait(false);
            var replication = await conn.InfoAsync("replication", cancellationToken).ConfigureAwait(false);
            var keyspace = ParseKeyspace(await conn.InfoAsync("keyspace", cancellationToken).ConfigureAwait(false));
            var version = RedisConnection.ServerVersionOf(server);
            var role = replication.GetValueOrDefault("role");
            var databases = options.Databases?.Distinct().Order().ToList() ?? keyspace.Keys.Order().ToList();
            // Hash field expiries are read only from a server that has them and only when hashes are exported: in
            // logical mode, and in exact mode for a hash over the exact limit, which is read logically (a DUMP payload
            // holds them already).
            var fieldTtls = (options.Types is not { Count: > 0 } || options.Types.Any(t => RedisKeyTypes.ParseIgnoreCase(t) == RedisKeyType.Hash))
                && await HashFieldExpiration.IsSupportedAsync(conn, server, cancellationToken).ConfigureAwait(false);
            long total = databases.Sum(db => keyspace.GetValueOrDefault(db));
            // Read before the header, which says whether the file holds them (requires "functions").
            var functions = await FunctionCapture.ReadAsync(conn, version, cancellationToken).ConfigureAwait(false);
            if (functions.NotCaptured is { } notCaptured) progress?.Report(OperationProgress.Step(activity, "Function libraries not included: " + notCaptured));

            var counting = new CountingStream(destination);
            var gzip = options.Exact ? GzipFactory.ForEncodedPayloads(counting) : GzipFactory.Fastest(counting);
            await using (gzip.ConfigureAwait(false))
            {
                using var writer = new KeyRecordWriter(gzip);
                writer.WriteHeader(new KeyFileHeader
                {
                    CreatedAt = clock.GetUtcNow(),
                    SourceAddress = source.Address,
                    ServerVersion = version,
                    Role = role,
                    Databases = options.Databases,
                    Match = options.Match,
                    Types = options.Types,
                    Exact = options.Exact,
                    // The header goes out before any key is read: a file that may hold field expiries says so, and
                    // a reader that does not know them refuses it rather than silently restoring fields that never expire.
                    // Which stream is over the limit is known only when it is read: a file that turns out to hold stream
                    // records is written again with "streamRecords" (KeyExportPass.NeedsStreamRecords).
                    Requires = Requirements(fieldTtls, functions.Libraries is not null),
                });
                if (functions.Libraries is { } libraries) writer.WriteFunctions(libraries);

                // Redis reads run in the producer; JSON + gzip run in the consumer, so the two overlap. The scanner
                // blocks on its socket reads: it gets a thread of its own. A failure of either side stops the other, and
                // the first one is what is reported (not the scanner's cancellation when the writing side failed).
                var channel = BoundedPipeline.CreateChannel<List<KeyRecord>>(8);
                var scanner = new KeyScanner(conn, options, channel.Writer, clock, fieldTtls, detector);
                await BoundedPipeline.RunAsync(channel, (_, ct) =>
                {
                    foreach (var db in databases)
                    {
                        progress?.Report(OperationProgress.Step(activity, $"Scanning database {db}"));
                        scanner.ScanDatabase(db, ct);
                    }
                    return Task.CompletedTask;
                }, async (reader, ct) =>
                {
                    await WriteAllAsync(reader, writer, scanner, counting, total, activity, progress, ct).ConfigureAwait(false);
                    return true;
                }, cancellationToken, ProducerThread.Dedicated).ConfigureAwait(false);

                if (detector.Keys != scanner.Keys)
                    throw new InvalidOperationException($"The key index noted {detector.Keys} keys where {scanner.Keys} were written.");
                if (detector.Spilled)
                    progress?.Report(OperationProgress.Step(activity, $"Checking for repeated keys among the {scanner.Keys.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} written (SCAN returns a key twice when the keyspace shrinks during the scan)"));
                var repeats = detector.Find(cancellationToken);

                writer.WriteTrailer(new KeyFileTrailer
                {
                    Keys = scanner.Keys,
                    Records = writer.Records,
                    KeysPerDatabase = scanner.KeysPerDatabase,
                    Vanished = scanner.Vanished,
                    Duplicates = 0, // the repeats are still in this file; a rewrite leaves them out and counts them
                    FieldTtls = writer.FieldTtls,
                    CompletedAt = clock.GetUtcNow(),
                });
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                var records = writer.Records;
                await gzip.FlushAsync(cancellationToken).ConfigureAwait(false);
                await gzip.DisposeAsync().ConfigureAwait(false);
                progress?.Report(new OperationProgress { Activity = activity, Status = $"{scanner.Keys} keys written", Done = scanner.Keys, Total = total, Bytes = counting.Written });
                return (new KeyExportSummary
                {
                    Keys = scanner.Keys,
                    KeysPerDatabase = new Dictionary<int, long>(scanner.KeysPerDatabase),
                    ServerVersion = version,
                    Role = role,
                    BytesWritten = counting.Written,
                    Vanished = scanner.Vanished,
                    Records = records,
                    FieldTtls = writer.FieldTtls,
                    LogicalKeys = scanner.LogicalKeys,
                    StreamsAsRecords = scanner.StreamsAsRecords,
                    FunctionLibraries = functions.Libraries?.Count ?? 0,
                    FunctionsNotCaptured = functions.NotCaptured,
                }, repeats.Count > 0 ? repeats : null);
            }
        }
    }

    private static async Task WriteAllAsync(ChannelReader<List<KeyRecord>> reader, KeyRecordWriter writer, KeyScanner scanner, CountingStream counting,
        long total, string activity, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        var lastReport = 0L;
        await foreach (var batch in reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            foreach (var record in batch)
            {
                writer.WriteKey(record);
                if (writer.Pending >= 256 * 1024) await writer.FlushAsync(ct).ConfigureAwait(false);
            }
            var done = scanner.Keys;
            if (progress is not null && done - lastReport >= 5000)
            {
                lastReport = done;
                progress.Report(new OperationProgress { Activity = activity, Status = $"{done} of {total} keys", Done = done, Total = total, Bytes = counting.Written });
            }
        }
        await writer.FlushAsync(ct).ConfigureAwait(false);
    }

    private static List<string> Requirements(bool fieldTtls, bool functions)
    {
        var requires = new List<string>(2);
        if (fieldTtls) requires.Add(KeyFileFormat.FieldTtlRequirement);
        if (functions) requires.Add(KeyFileFormat.FunctionsRequirement);
        return requires;
    }

    /// <summary>INFO keyspace → db number → key count.</summary>
    internal static Dictionary<int, long> ParseKeyspace(IReadOnlyDictionary<string, string> info)
    {
        var result = new Dictionary<int, long>();
        foreach (var (name, value) in info)
        {
            if (!name.StartsWith("db", StringComparison.Ordinal) || !int.TryParse(name.AsSpan(2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var db)) continue;
            foreach (var part in value.Split(','))
            {
                if (part.StartsWith("keys=", StringComparison.Ordinal) && long.TryParse(part.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
                    result[db] = n;
            }
        }
        return result;
    }
}
