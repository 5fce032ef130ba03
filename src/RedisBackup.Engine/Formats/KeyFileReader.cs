using System.Globalization;
using RedisBackup.Engine.Errors;

using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Formats;

/// <summary>
/// Reads a key-level backup, gzip or plain, in our JSON Lines format or the seed service's single-object JSON,
/// one record at a time. Our format is checked as it goes: a header first, records that parse, and a trailer whose
/// counts match; a missing trailer means the file was truncated. Errors are <see cref="RedisBackupException"/>s
/// of kind InvalidData ("BackupCorrupt", "BackupTruncated").
/// </summary>
internal sealed class KeyFileReader : IAsyncDisposable
{
    private readonly Stream _plain;
    private readonly LineReader? _lines;
    private readonly IAsyncEnumerator<KeyRecord>? _seed;
    private readonly SeedFileReader? _seedReader;
    private readonly Dictionary<int, long> _perDb = [];
    private byte[]? _chunkKey;
    private int _chunkDb;
    private int _nextChunk;
    private readonly bool _checkOnly;

    private KeyFileReader(Stream plain, LineReader? lines, SeedFileReader? seed, bool checkOnly, CancellationToken ct)
    {
        _checkOnly = checkOnly;
        _plain = plain;
        _lines = lines;
        _seedReader = seed;
        _seed = seed?.ReadAsync(ct).GetAsyncEnumerator(ct);
    }

    public bool IsSeedFormat => _seedReader is not null;
    public KeyFileHeader? Header { get; private set; }

    /// <summary>The function libraries the file holds (its functions record), or null when it holds none.</summary>
    public Rdb.FunctionLibraries? Functions { get; private set; }

    /// <summary>The line number of the first key record: after the header, and the functions record when there is one.</summary>
    private int FirstKeyLine => Functions is null ? 2 : 3;
    public KeyFileTrailer? Trailer { get; private set; }
    public DateTimeOffset? CreatedAt => Header?.CreatedAt ?? _seedReader?.CreatedAt;

    /// <summary>Key and chunk records read.</summary>
    public long Records { get; private set; }

    /// <summary>Whole keys read (a chunked key counts once).</summary>
    public long Keys { get; private set; }

    /// <summary>Hash field expiries read (fieldExpireAt entries other than 0).</summary>
    public long FieldTtls { get; private set; }

    public IReadOnlyDictionary<int, long> KeysPerDatabase => _perDb;

    /// <param name="checkOnly">
    /// For verification: records are checked in full but their values are not kept (key records come back without
    /// items or DUMP payload). Applies to our format; a seed file is read as usual.
    /// </param>
    public static async Task<KeyFileReader> OpenAsync(Stream source, CancellationToken ct, bool checkOnly = false)
    {
        Stream plain;
        try
        {
            (plain, _) = await StreamSniffer.OpenPlainAsync(source, ct).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt("the gzip data is damaged: " + ex.Message, ex);
        }
        try
        {
            var lines = new LineReader(plain);
            await lines.PeekAsync(KeyFileFormat.HeaderPrefix.Length, ct).ConfigureAwait(false);
            var head = lines.Buffered;
            if (head.StartsWith(KeyFileFormat.HeaderPrefix))
            {
                var reader = new KeyFileReader(plain, lines, null, checkOnly, ct);
                await reader.ReadHeaderAsync(ct).ConfigureAwait(false);
                return reader;
            }
            var trimmed = head.TrimStart(" \t\r\n"u8);
            if (trimmed.IsEmpty)
                throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupEmpty, "The backup file is empty.");
            if (trimmed[0] != (byte)'{')
                throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupFormatUnknown, "The file is neither a redis-backup key export nor a seed-service JSON backup.");
            // The seed reader reads the plain stream itself; hand it what the line reader already buffered.
            return new KeyFileReader(plain, null, new SeedFileReader(new PrefixedStream(head.ToArray(), plain)), false, ct);
        }
        catch
        {
            await plain.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ReadHeaderAsync(CancellationToken ct)
    {
        var line = await ReadLineAsync(ct).ConfigureAwait(false) ?? throw Truncated("no header record");
        try
        {
            if (KeyRecordParser.Parse(line.Span, out var header, out _, out _) != KeyRecordParser.Kind.Header)
                throw Corrupt("the first record is not the header");
            Header = header;
        }
        catch (FormatException ex)
        {
            throw Corrupt("the header record is invalid: " + ex.Message, ex);
        }
        if (!Header!.Requires.Contains(KeyFileFormat.FunctionsRequirement)) return;
        // The header announces function libraries: they are the next record.
        var functions = await ReadLineAsync(ct).ConfigureAwait(false) ?? throw Truncated("no functions record after the header that announces one");
        try
        {
            Functions = FunctionsRecord.Parse(functions.Span);
        }
        catch (FormatException ex)
        {
            throw Corrupt("record 2 (the functions record) is invalid: " + ex.Message, ex);
        }
    }

    /// <summary>The next key or chunk record; null after the trailer (or the end of a seed file). Throws on a bad or truncated file.</summary>
    public async ValueTask<KeyRecord?> ReadNextAsync(CancellationToken ct)
    {
        if (_seed is not null)
        {
            try
            {
                if (!await _seed.MoveNextAsync().ConfigureAwait(false)) return null;
            }
            catch (FormatException ex)
            {
                throw ex.Message.Contains("ends too early", StringComparison.Ordinal)
                    ? Truncated($"the seed JSON ends early after {Keys} keys ({ex.Message})", ex)
                    : Corrupt($"the seed JSON is invalid after {Keys} keys: {ex.Message}", ex);
            }
            catch (InvalidDataException ex)
            {
                throw Corrupt("the gzip data is damaged: " + ex.Message, ex);
            }
            var seedRecord = _seed.Current;
            Track(seedRecord);
            return seedRecord;
        }

        if (Trailer is not null) return null;
        var line = await ReadLineAsync(ct).ConfigureAwait(false);
        if (line is null)
            throw Truncated($"no trailer record after {Records} records");
        KeyRecordParser.Kind kind;
        KeyRecord? record;
        KeyFileTrailer? trailer;
        try
        {
            kind = KeyRecordParser.Parse(line.Value.Span, out _, out record, out trailer, _checkOnly);
        }
        catch (FormatException ex)
        {
            throw Corrupt($"record {Records + FirstKeyLine} is invalid: {ex.Message}", ex);
        }
        if (kind == KeyRecordParser.Kind.Header) throw Corrupt($"record {Records + FirstKeyLine} is a second header");
        if (kind == KeyRecordParser.Kind.Trailer)
        {
            CheckTrailer(trailer!);
            if (await ReadLineAsync(ct).ConfigureAwait(false) is { } extra && !extra.Span.Trim(" \t\r"u8).IsEmpty)
                throw Corrupt("there is data after the trailer record");
            Trailer = trailer;
            return null;
        }
        Track(record!);
        return record;
    }

    private void Track(KeyRecord record)
    {
        Records++;
        if (record.FieldExpireAt is { } fieldExpiry)
            foreach (var at in fieldExpiry)
                if (at != 0) FieldTtls++;
        if (record.Chunk == 0)
        {
            if (_chunkKey is not null && _lines is not null) throw Corrupt($"key record {Records} starts a new key before the last chunk of the previous big key");
        }
        else if (_lines is not null && (_chunkKey is null || record.Chunk != _nextChunk || record.Database != _chunkDb || !record.Key.AsSpan().SequenceEqual(_chunkKey)))
        {
            throw Corrupt($"record {Records} is chunk {record.Chunk} of a key that is not the big key being read");
        }
        if (record.More)
        {
            _chunkKey = record.Key;
            _chunkDb = record.Database;
            _nextChunk = record.Chunk + 1;
        }
        else
        {
            _chunkKey = null;
            Keys++;
            _perDb[record.Database] = _perDb.GetValueOrDefault(record.Database) + 1;
        }
    }

    private void CheckTrailer(KeyFileTrailer trailer)
    {
        if (_chunkKey is not null) throw Truncated($"the trailer follows an unfinished big key after {Records} records");
        if (trailer.Records != Records)
            throw Corrupt($"the trailer counts {trailer.Records} records but the file holds {Records}");
        if (trailer.Keys != Keys)
            throw Corrupt($"the trailer counts {trailer.Keys} keys but the file holds {Keys}");
        if (trailer.FieldTtls >= 0 && trailer.FieldTtls != FieldTtls)
            throw Corrupt($"the trailer counts {trailer.FieldTtls} hash field expiries but the file holds {FieldTtls}");
        foreach (var (db, n) in trailer.KeysPerDatabase)
        {
            if (_perDb.GetValueOrDefault(db) != n)
                throw Corrupt($"the trailer counts {n} keys in database {db.ToString(CultureInfo.InvariantCulture)} but the file holds {_perDb.GetValueOrDefault(db)}");
        }
        if (_perDb.Keys.Any(db => !trailer.KeysPerDatabase.ContainsKey(db)))
            throw Corrupt("the trailer's per-database counts leave out a database that the file holds");
    }

    private async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken ct)
    {
        (ReadOnlyMemory<byte> Line, bool Terminated)? line;
        try
        {
            line = await _lines!.ReadLineAsync(ct).ConfigureAwait(false);
        }
        catch (LineTooLongException ex)
        {
            throw Corrupt($"record {Records + FirstKeyLine} is longer than {ex.Limit / (1024 * 1024)} MiB without a line break (this tool writes none so long)", ex);
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt($"the gzip data is damaged after {Records} records: {ex.Message}", ex);
        }
        catch (EndOfStreamException ex)
        {
            throw Truncated($"the gzip stream ends early after {Records} records", ex);
        }
        if (line is null) return null;
        if (!line.Value.Terminated) throw Truncated($"the last record (after {Records} records) is cut off");
        return line.Value.Line;
    }

    private static RedisBackupException Corrupt(string what, Exception? inner = null)
        => new(ErrorKind.InvalidData, ErrorIds.BackupCorrupt, "BackupCorrupt: the key-level backup is damaged: " + what.TrimEnd('.') + ".", null, inner);

    private static RedisBackupException Truncated(string what, Exception? inner = null)
        => new(ErrorKind.InvalidData, ErrorIds.BackupTruncated, "BackupTruncated: " + what.TrimEnd('.') + ". The file is incomplete; it was cut off while being written or copied.", null, inner);

    public async ValueTask DisposeAsync()
    {
        if (_seed is not null) await _seed.DisposeAsync().ConfigureAwait(false);
        await _plain.DisposeAsync().ConfigureAwait(false);
    }
}
