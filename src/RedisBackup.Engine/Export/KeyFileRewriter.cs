using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Export;

/// <summary>
/// The rare second pass of an export whose SCAN returned keys more than once: writes the file again without the later
/// occurrences. Every line is copied byte for byte except the records of a repeat (all its chunks) and the trailer,
/// which gets the new file's counts, with the records left out added to <c>duplicates</c>. Each record left out is
/// checked against the repeat list (its ordinal and its key's hash), so a mismatch stops the backup instead of
/// dropping the wrong key.
/// </summary>
internal static class KeyFileRewriter
{
    private const int FlushAt = 256 * 1024;

    /// <param name="firstPass">The file as the export wrote it (gzip), from its start; left open.</param>
    /// <param name="destination">Receives the new file (gzip); left open.</param>
    public static async Task<KeyExportSummary> WithoutRepeatsAsync(Stream firstPass, RepeatedKeys repeats, KeyExportSummary written, Stream destination, CancellationToken ct)
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
                Append(buffer, headerLine.Span);
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
                using var next = repeats.InFileOrder(ct).GetEnumerator();
                var pending = next.MoveNext();
                long ordinal = -1, keys = 0, records = 0, dropped = 0, droppedRecords = 0, fieldTtls = 0;
                var perDb = new Dictionary<int, long>();
                var dropping = false;
                KeyFileTrailer trailer;
                while (true)
                {
                    var line = await NextLineAsync(lines, records + droppedRecords, ct).ConfigureAwait(false);
                    var kind = Parse(line.Span, out var record, out var parsedTrailer);
                    if (kind == KeyRecordParser.Kind.Trailer)
                    {
                        trailer = parsedTrailer!;
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
                if (dropped != repeats.Count) throw Broken($"{dropped.ToString(CultureInfo.InvariantCulture)} repeats were left out where the index found {repeats.Count.ToString(CultureInfo.InvariantCulture)}");
                await gzip.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);

                using var writer = new KeyRecordWriter(gzip);
                var newTrailer = trailer with
                {
                    Keys = keys,
                    Records = records,
                    KeysPerDatabase = perDb,
                    Duplicates = trailer.Duplicates + dropped,
                    FieldTtls = fieldTtls,
                };
                writer.WriteTrailer(newTrailer);
                await writer.FlushAsync(ct).ConfigureAwait(false);
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
        => new(ErrorKind.InvalidData, "KeyExportRewriteFailed",
            $"Rewriting the new backup without the keys SCAN returned twice failed: {what}. Nothing was kept; run the backup again.");
}
