using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Export;

/// <summary>
/// The rare second pass of an export: writes the file again without the later occurrences of keys SCAN returned more
/// than once, and with <c>streamRecords</c> added to the header's <c>requires</c> when the file turned out to hold
/// logical stream records (the header is written before any key; which stream is over the limit is known only when it
/// is read). Every line is copied byte for byte except the header when it gains the requirement (the same header
/// written again with it, so also as format version 2), the records of a repeat (all its chunks), and, when repeats
/// were left out, the trailer, which gets the new file's counts, with the records left out added to <c>duplicates</c>.
/// Each record left out is checked against the repeat list (its ordinal and its key's hash), so a mismatch stops the
/// backup instead of dropping the wrong key.
/// </summary>
internal static class KeyFileRewriter
{
    private const int FlushAt = 256 * 1024;

    /// <param name="firstPass">The file as the export wrote it (gzip), from its start; left open.</param>
    /// <param name="repeats">The later occurrences to leave out; null for none.</param>
    /// <param name="requireStreamRecords">The header must require <c>streamRecords</c> (the file holds stream records).</param>
    /// <param name="destination">Receives the new file (gzip); left open.</param>
    public static async Task<KeyExportSummary> RewriteAsync(Stream firstPass, RepeatedKeys? repeats, bool requireStreamRecords, KeyExportSummary written, Stream destination, CancellationToken ct)
    {
        var input = new GZipStream(new NonClosingStream(firstPass), CompressionMode.Decompress);
        await using (input.ConfigureAwait(false))
        {
            var lines = new LineReader(input);
            var headerLine = await NextLineAsync(lines, 0, ct).ConfigureAwait(false);
            KeyFileHeader? header;
            try
            {
                if (KeyRecordParser.Parse(headerLine.Span, out header, out _, out _, checkOnly: true) != KeyRecordParser.Kind.Header)
                    throw Broken("its first record is not the header");
            }
            catch (FormatException ex)
            {
                throw Broken("its header does not parse: " + ex.Message);
            }
            var counting = new CountingStream(destination);
            var gzip = header!.Exact ? GzipFactory.ForEncodedPayloads(counting) : GzipFactory.Fastest(counting);
            await using (gzip.ConfigureAwait(false))
            {
                var buffer = new ArrayBufferWriter<byte>(FlushAt + 64 * 1024);
                if (requireStreamRecords && !header.Requires.Contains(KeyFileFormat.StreamRecordsRequirement))
                    Append(buffer, await WithStreamRecordsAsync(header, headerLine, ct).ConfigureAwait(false));
                else Append(buffer, headerLine.Span);
                if (header.Requires.Contains(KeyFileFormat.FunctionsRequirement))
                {
                    // The function libraries follow the header, copied as they are.
                    var functionsLine = await NextLineAsync(lines, 0, ct).ConfigureAwait(false);
                    try
                    {
                        FunctionsRecord.Parse(functionsLine.Span);
                    }
                    catch (FormatException ex)
                    {
                        throw Broken("its functions record does not parse: " + ex.Message);
                    }
                    Append(buffer, functionsLine.Span);
                }
                using var next = (repeats?.InFileOrder(ct) ?? Enumerable.Empty<(long Ordinal, ulong Check)>()).GetEnumerator();
                var pending = next.MoveNext();
                long ordinal = -1, keys = 0, records = 0, dropped = 0, droppedRecords = 0, fieldTtls = 0;
                var perDb = new Dictionary<int, long>();
                var dropping = false;
                KeyFileTrailer trailer;
                ReadOnlyMemory<byte> trailerLine;
                while (true)
                {
                    var line = await NextLineAsync(lines, records + droppedRecords, ct).ConfigureAwait(false);
                    var kind = Parse(line.Span, out var record, out var parsedTrailer);
                    if (kind == KeyRecordParser.Kind.Trailer)
                    {
                        trailer = parsedTrailer!;
                        trailerLine = line;
                        break;
                    }
                    if (kind != KeyRecordParser.Kind.Key) throw Broken("it has a second header");
                    if (record!.Chunk == 0)
                    {
                        ordinal++;
                        dropping = pending && next.Current.Ordinal == ordinal;
                        if (dropping)
                        {
                            if ((ulong)KeyHash.Of(record.Database, record.Key) != next.Current.Check)
                                throw Broken($"key {ordinal.ToString(CultureInfo.InvariantCulture)} of the file is not the repeated key the index names");
                            pending = next.MoveNext();
                            if (pending && next.Current.Ordinal <= ordinal) throw Broken("the repeat list is out of order");
                        }
                    }
                    if (dropping)
                    {
                        droppedRecords++;
                        if (!record.More) dropped++;
                        continue;
                    }
                    Append(buffer, line.Span);
                    records++;
                    if (record.FieldExpireAt is { } fieldExpiry)
                        foreach (var at in fieldExpiry)
                            if (at != 0) fieldTtls++;
                    if (!record.More)
                    {
                        keys++;
                        perDb[record.Database] = perDb.GetValueOrDefault(record.Database) + 1;
                    }
                    if (buffer.WrittenCount >= FlushAt)
                    {
                        await gzip.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
                        buffer.Clear();
                    }
                }
                if (pending) throw Broken("the repeat list names keys beyond the end of the file");
                var expected = repeats?.Count ?? 0;
                if (dropped != expected) throw Broken($"{dropped.ToString(CultureInfo.InvariantCulture)} repeats were left out where the index found {expected.ToString(CultureInfo.InvariantCulture)}");
                await gzip.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);

                var newTrailer = trailer with
                {
                    Keys = keys,
                    Records = records,
                    KeysPerDatabase = perDb,
                    Duplicates = trailer.Duplicates + dropped,
                    FieldTtls = fieldTtls,
                };
                if (dropped == 0)
                {
                    // Nothing left out: the trailer's counts stay what they are, and so does its line.
                    if (trailer.Keys != keys || trailer.Records != records || trailer.FieldTtls != fieldTtls
                        || trailer.KeysPerDatabase.Count != perDb.Count || perDb.Any(p => trailer.KeysPerDatabase.GetValueOrDefault(p.Key) != p.Value))
                        throw Broken("its trailer's counts do not match its records");
                    buffer.Clear();
                    Append(buffer, trailerLine.Span);
                    await gzip.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
                }
                else
                {
                    using var writer = new KeyRecordWriter(gzip);
                    writer.WriteTrailer(newTrailer);
                    await writer.FlushAsync(ct).ConfigureAwait(false);
                }
                await gzip.FlushAsync(ct).ConfigureAwait(false);
                await gzip.DisposeAsync().ConfigureAwait(false);
                return written with
                {
                    Keys = keys,
                    KeysPerDatabase = perDb,
                    Records = records,
                    Duplicates = newTrailer.Duplicates,
                    FieldTtls = fieldTtls,
                    BytesWritten = counting.Written,
                };
            }
        }
    }

    private static KeyRecordParser.Kind Parse(ReadOnlySpan<byte> line, out KeyRecord? record, out KeyFileTrailer? trailer)
    {
        try
        {
            return KeyRecordParser.Parse(line, out _, out record, out trailer, checkOnly: true);
        }
        catch (FormatException ex)
        {
            throw Broken("a record does not parse: " + ex.Message);
        }
    }

    /// <summary>
    /// The header with <c>streamRecords</c> added to its <c>requires</c> (written by the same writer, so its version
    /// follows the format's rule for a non-empty list). Before, the header as parsed is written again unchanged and must
    /// give the original line byte for byte: so nothing but the requirement and the version can differ.
    /// </summary>
    private static async Task<byte[]> WithStreamRecordsAsync(KeyFileHeader header, ReadOnlyMemory<byte> original, CancellationToken ct)
    {
        if (!(await HeaderLineAsync(header, ct).ConfigureAwait(false)).AsSpan().SequenceEqual(original.Span))
            throw Broken("its header would not be written again unchanged");
        return await HeaderLineAsync(header with { Requires = [.. header.Requires, KeyFileFormat.StreamRecordsRequirement] }, ct).ConfigureAwait(false);
    }

    /// <summary>A header record as the export writes it, without its line break.</summary>
    private static async Task<byte[]> HeaderLineAsync(KeyFileHeader header, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        using (var writer = new KeyRecordWriter(ms))
        {
            writer.WriteHeader(header);
            await writer.FlushAsync(ct).ConfigureAwait(false);
        }
        return ms.ToArray()[..^1];
    }

    private static void Append(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> line)
    {
        var span = buffer.GetSpan(line.Length + 1);
        line.CopyTo(span);
        span[line.Length] = (byte)'\n';
        buffer.Advance(line.Length + 1);
    }

    private static async ValueTask<ReadOnlyMemory<byte>> NextLineAsync(LineReader lines, long records, CancellationToken ct)
    {
        var line = await lines.ReadLineAsync(ct).ConfigureAwait(false);
        if (line is not { Terminated: true } l)
            throw Broken($"it ends after {records.ToString(CultureInfo.InvariantCulture)} records, before its trailer");
        return l.Line;
    }

    private static RedisBackupException Broken(string what)
        => new(ErrorKind.InvalidData, ErrorIds.KeyExportRewriteFailed,
            $"Rewriting the new backup (without the keys SCAN returned twice, or with its header requiring stream records) failed: {what}. Nothing was kept; run the backup again.");
}
