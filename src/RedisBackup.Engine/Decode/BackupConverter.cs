using System.Globalization;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.IO;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Decode;

/// <summary>
/// Writes a logical key-level backup (the gzip JSON Lines format) from an RDB file or a key-level backup, offline: each
/// value is decoded (<see cref="RdbValueDecoder"/>) and written as logical records, big ones chunked in windows. Streams,
/// module values, Redis 8.8 arrays and keys with key metadata stay DUMP records (the format's records for them), as the
/// key-level export writes them, with the payload stamped with the source's RDB version; a stream of an RDB file longer
/// than 16 MiB becomes logical stream records (the header then requires <c>streamRecords</c>). Hash field TTLs become
/// <c>fieldExpireAt</c> with the source's time as <c>fieldsReadAt</c>. The source's function libraries are kept: an RDB
/// file's FUNCTION2 records, or a key-level backup's functions record, become the functions record (the header then
/// requires <c>functions</c>). Memory: one window at a time (a module value, or
/// a stream's DUMP record of a key-level source, is held whole).
/// </summary>
internal static class BackupConverter
{
    /// <param name="openRdb">Opens the plain RDB stream; called twice (a first pass finds whether any stream is too big to hold whole).</param>
    /// <param name="sourceName">The source file's name, recorded as the header's source address ("convert:NAME").</param>
    public static async Task<KeyExportSummary> FromRdbAsync(Func<Stream> openRdb, string sourceName, Stream destination, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        // The header goes out before any key: it must say whether logical stream records follow.
        var bigStreams = await HasStreamLongerThanAsync(openRdb, RdbKeySourceOptions.DefaultCaptureLimit, ct).ConfigureAwait(false);
        var rdb = openRdb();
        await using (rdb.ConfigureAwait(false))
        {
            var reader = RdbReader.WithLazyValues(rdb);
            var source = new RdbKeySource(reader, new RdbKeySourceOptions { PayloadsForStreamsAndModules = true });
            var first = await source.NextAsync(ct).ConfigureAwait(false); // reads the header, the AUX fields and the function libraries
            var summary = reader.Summary;
            var requires = new List<string>();
            if (summary.Magic == "VALKEY" ? summary.Version >= RdbFormatCatalog.MinValkeyVersion : summary.Version >= 12) requires.Add(KeyFileFormat.FieldTtlRequirement);
            if (bigStreams) requires.Add(KeyFileFormat.StreamRecordsRequirement);
            // The file's function libraries (before its first key) become the functions record, stamped with its RDB version.
            var functions = reader.FunctionLibraries is { Count: > 0 } code ? FunctionLibraries.FromCode(code, reader.Version) : null;
            if (functions is not null) requires.Add(KeyFileFormat.FunctionsRequirement);
            var header = new KeyFileHeader
            {
                CreatedAt = summary.CreatedAt ?? DateTimeOffset.UtcNow,
                SourceAddress = "convert:" + sourceName,
                ServerVersion = summary.RedisVersion,
                Requires = requires,
            };
            return await WriteRdbAsync(reader, source, first, header, functions, sourceName, destination, progress, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Whether any stream of the file is longer than <paramref name="limit"/> (values walked past, not read).</summary>
    private static async Task<bool> HasStreamLongerThanAsync(Func<Stream> openRdb, long limit, CancellationToken ct)
    {
        var rdb = openRdb();
        await using (rdb.ConfigureAwait(false))
        {
            var reader = RdbReader.WithLazyValues(rdb);
            while (await reader.ReadNextAsync(ct).ConfigureAwait(false) is { } entry)
                if (entry.Kind == RdbEntryKind.Key && RedisKeyTypes.Parse(RdbFormatCatalog.LogicalType(entry.Family, entry.Type)) == RedisKeyType.Stream && entry.KeyMetadata is null && reader.SkipValue() > limit)
                    return true;
            return false;
        }
    }

    private static async Task<KeyExportSummary> WriteRdbAsync(RdbReader reader, RdbKeySource source, KeyRecord? first, KeyFileHeader header, FunctionLibraries? functions,
        string sourceName, Stream destination, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        var pending = first;
        var result = await WriteAsync(header, functions, async token =>
        {
            var record = pending ?? await source.NextAsync(token).ConfigureAwait(false);
            pending = null;
            return record;
        }, destination, sourceName, progress, ct).ConfigureAwait(false);

        var end = reader.Summary;
        if (end.Unchecked is { } part)
            throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ConvertStopped,
                $"{sourceName} could be read only up to byte {part.Offset}: {part.Reason}. A conversion must hold every key, so nothing was kept; use a newer RedisBackup.", sourceName);
        if (source.StoppedAtCommand is { } command)
            throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ConvertStopped,
                $"{sourceName} holds at byte {command.Offset} a replication command Valkey wrote inline during a forkless save, which a key-level backup cannot hold; nothing was kept.", sourceName);
        return result with { ServerVersion = end.RedisVersion };
    }

    /// <param name="keyFile">A key-level backup (ours or the seed service's), gzip or plain.</param>
    public static async Task<KeyExportSummary> FromKeyFileAsync(Stream keyFile, string sourceName, Stream destination, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        var reader = await KeyFileReader.OpenAsync(new NonClosingStream(keyFile), ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var records = new KeyRecordReplay(reader.ReadNextAsync, new KeyRecordReplayOptions
            {
                KeepStreamAndModulePayloads = true,
                CreatedMs = reader.CreatedAt?.ToUnixTimeMilliseconds(),
            });
            var version = reader.Header?.ServerVersion;
            var requires = new List<string>(reader.Header?.Requires ?? []);
            // An exact backup's payloads hold field TTLs when its server had them (Redis 7.4+, Valkey 9+).
            if (reader.Header?.Exact == true && !requires.Contains(KeyFileFormat.FieldTtlRequirement) && RedisBackup.Engine.Redis.RedisConnection.ParseVersion(version) >= new Version(7, 4))
                requires.Add(KeyFileFormat.FieldTtlRequirement);
            var header = new KeyFileHeader
            {
                CreatedAt = reader.CreatedAt ?? DateTimeOffset.UtcNow,
                SourceAddress = "convert:" + sourceName,
                ServerVersion = version,
                Role = reader.Header?.Role,
                Databases = reader.Header?.Databases,
                Match = reader.Header?.Match,
                Types = reader.Header?.Types,
                Requires = requires,
            };
            // The source's functions record is copied as it is (the header keeps its "functions" requirement).
            var result = await WriteAsync(header, reader.Functions, records.NextAsync, destination, sourceName, progress, ct).ConfigureAwait(false);
            return result with { ServerVersion = version };
        }
    }

    private static async Task<KeyExportSummary> WriteAsync(KeyFileHeader header, FunctionLibraries? functions, Func<CancellationToken, ValueTask<KeyRecord?>> next, Stream destination,
        string sourceName, IProgress<OperationProgress>? progress, CancellationToken ct)
    {
        var activity = $"Converting {sourceName}";
        var counting = new CountingStream(destination);
        var gzip = GzipFactory.Fastest(counting);
        await using (gzip.ConfigureAwait(false))
        {
            using var writer = new KeyRecordWriter(gzip);
            writer.WriteHeader(header);
            if (functions is not null) writer.WriteFunctions(functions);
            var perDb = new Dictionary<int, long>();
            long keys = 0;
            while (await next(ct).ConfigureAwait(false) is { } record)
            {
                if (record.Unwritable is { } reason)
                    throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupCorrupt,
                        $"Key '{Describe(record.Key)}' in database {record.Database} of {sourceName} cannot be converted: {reason}. Nothing was kept.", sourceName);
                if (record.Losses is { Count: > 0 } losses)
                    throw new RedisBackupException(ErrorKind.NotSupported, ErrorIds.ConvertWouldLoseData,
                        $"Key '{Describe(record.Key)}' in database {record.Database} of {sourceName} is a stream too big to keep as one DUMP record, and its logical records cannot hold " +
                        $"{string.Join(" and ", losses.Select(l => $"{l.Count} {l.What}"))}. Nothing was kept; restore the snapshot into a server of its own version instead.", sourceName);
                writer.WriteKey(record);
                if (record.IsLast)
                {
                    keys++;
                    perDb[record.Database] = perDb.GetValueOrDefault(record.Database) + 1;
                    if (progress is not null && keys % 5000 == 0)
                        progress.Report(new OperationProgress { Activity = activity, Status = $"{keys.ToString(CultureInfo.InvariantCulture)} keys", Done = keys, Bytes = counting.Written });
                }
                if (writer.Pending >= 256 * 1024) await writer.FlushAsync(ct).ConfigureAwait(false);
            }
            writer.WriteTrailer(new KeyFileTrailer
            {
                Keys = keys,
                Records = writer.Records,
                KeysPerDatabase = perDb,
                FieldTtls = writer.FieldTtls,
                CompletedAt = DateTimeOffset.UtcNow,
            });
            await writer.FlushAsync(ct).ConfigureAwait(false);
            var records = writer.Records;
            var fieldTtls = writer.FieldTtls;
            await gzip.FlushAsync(ct).ConfigureAwait(false);
            await gzip.DisposeAsync().ConfigureAwait(false);
            return new KeyExportSummary
            {
                Keys = keys,
                KeysPerDatabase = perDb,
                Records = records,
                FieldTtls = fieldTtls,
                BytesWritten = counting.Written,
                FunctionLibraries = functions?.Count ?? 0,
            };
        }
    }

    private static string Describe(byte[] key) => System.Text.Unicode.Utf8.IsValid(key) ? System.Text.Encoding.UTF8.GetString(key) : "base64:" + Convert.ToBase64String(key);
}
