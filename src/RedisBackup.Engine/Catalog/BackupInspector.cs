using System.IO.Compression;
using System.Text;
using System.Text.Json;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.IO;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// Describes one backup file cheaply: from its metadata sidecar when this tool wrote one, else by sniffing the first
/// bytes (gzip magic, then "REDIS0"/"VALKEY" → RDB with its AUX header, our key-file header record, or the seed
/// service's <c>{"timestamp"</c>) and the name's timestamp. Never parses a whole file.
/// </summary>
internal static class BackupInspector
{
    /// <summary>How much of the (decompressed) start of a file a sniff may read.</summary>
    private const int PrefixBytes = 8192;

    /// <summary>How much an RDB header read may consume: AUX fields are short.</summary>
    private const int RdbHeaderBytes = 64 * 1024;

    /// <summary>
    /// The record of an existing file. A listing passes what it knows of the sidecars' existence, which saves a stat per file.
    /// A foreign file with only a checksum file (a copy, or one the user made with sha256sum) gets that checksum.
    /// </summary>
    public static BackupRecord Describe(FileInfo file, bool? metadataExists = null, bool? checksumExists = null)
    {
        if (metadataExists ?? File.Exists(file.FullName + BackupNaming.MetadataSuffix))
        {
            var doc = BackupSidecar.TryRead(file.FullName);
            if (doc is not null) return BackupSidecar.ToRecord(doc, file.FullName, file.Length);
        }
        var record = Sniff(file);
        return checksumExists ?? File.Exists(file.FullName + BackupNaming.ChecksumSuffix)
            ? record with { Sha256 = BackupSidecar.TryReadChecksumFile(file.FullName) }
            : record;
    }

    /// <summary>A record from the file's content and name alone (foreign files); Format is Unknown when the content is not recognized.</summary>
    public static BackupRecord Sniff(FileInfo file)
    {
        var compressed = false;
        var format = BackupFormat.Unknown;
        RdbHeaderInfo? rdb = null;
        DateTimeOffset? contentTime = null;
        string? serverVersion = null;
        string? source = null;
        try
        {
            byte[] prefix;
            (prefix, compressed) = ReadPrefix(file.FullName);
            if (StartsWith(prefix, "REDIS0"u8) || StartsWith(prefix, "VALKEY"u8))
            {
                format = BackupFormat.Rdb;
                rdb = TryReadRdbHeader(file.FullName, compressed);
                contentTime = rdb?.CreatedAt;
                serverVersion = rdb?.RedisVersion;
            }
            else
            {
                var json = JsonPrefix.Inspect(prefix);
                format = json.Format;
                contentTime = json.CreatedAt;
                serverVersion = json.ServerVersion;
                source = json.Source;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException
                                       && ex is not RegularFile.NotRegularException and not FileNotFoundException)
        {
            // Unreadable or a damaged gzip stream: list it by name, as Unknown; verification reports the details.
        }

        var nameTime = BackupNaming.TimestampFromName(file.Name, ours: false);
        var kind = format switch
        {
            BackupFormat.Rdb => BackupKind.Snapshot,
            BackupFormat.KeysJsonl or BackupFormat.SeedJson => BackupKind.KeyLevel,
            _ => file.Name.Contains(".rdb", StringComparison.OrdinalIgnoreCase) ? BackupKind.Snapshot : BackupKind.KeyLevel,
        };
        return new BackupRecord
        {
            Name = file.Name,
            Path = file.FullName,
            Kind = kind,
            Format = format,
            CreatedAt = nameTime ?? contentTime ?? new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero),
            SizeBytes = file.Length,
            Compressed = compressed,
            ServerVersion = serverVersion,
            Source = source,
            Verification = VerificationState.NotVerified,
            HasMetadata = false,
        };
    }

    private static (byte[] Prefix, bool Compressed) ReadPrefix(string path)
    {
        using var file = RegularFile.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        var n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        var compressed = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        using var content = compressed ? new GZipStream(new LimitedReadStream(file, 256 * 1024), CompressionMode.Decompress) : (Stream)new LimitedReadStream(file, PrefixBytes);
        var buffer = new byte[PrefixBytes];
        var read = content.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return (buffer[..read], compressed);
    }

    private static RdbHeaderInfo? TryReadRdbHeader(string path, bool compressed)
    {
        try
        {
            using var file = RegularFile.OpenRead(path);
            Stream raw = compressed ? new GZipStream(new LimitedReadStream(file, 4 * RdbHeaderBytes), CompressionMode.Decompress) : file;
            using var limited = new BufferedStream(new LimitedReadStream(raw, RdbHeaderBytes), 4096);
            return RdbHeader.TryRead(limited);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or Errors.RedisBackupException)
        {
            return null;
        }
    }

    private static bool StartsWith(byte[] data, ReadOnlySpan<byte> prefix) => data.AsSpan().StartsWith(prefix);

    /// <summary>Reads what the first JSON tokens of a key-level file say, without parsing the file.</summary>
    private static class JsonPrefix
    {
        public readonly record struct Result(BackupFormat Format, DateTimeOffset? CreatedAt, string? ServerVersion, string? Source);

        public static Result Inspect(byte[] prefix)
        {
            var span = prefix.AsSpan();
            if (span.StartsWith(Encoding.UTF8.Preamble)) span = span[Encoding.UTF8.Preamble.Length..];
            var start = 0;
            while (start < span.Length && span[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') start++;
            if (start >= span.Length || span[start] != (byte)'{') return default;
            span = span[start..];

            if (TryOurHeader(span, out var ours)) return ours;
            return TrySeed(span, out var seed) ? seed : default;
        }

        /// <summary>
        /// Our key-level header record: <c>{"rec":"header","format":"redisbackup-keys",…,"source":{"address","version"}}</c>.
        /// A first line that is a header record with a format name of ours in any property order counts too, so a file of a
        /// newer format version is recognized as ours (and then refused as too new) rather than as an unknown file.
        /// </summary>
        private static bool TryOurHeader(ReadOnlySpan<byte> text, out Result result)
        {
            result = default;
            var prefixed = text.StartsWith(KeyFileFormat.HeaderPrefix);
            var newline = text.IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (!prefixed) return false;
                result = new Result(BackupFormat.KeysJsonl, null, null, null);
                return true; // a header longer than the prefix: the format is still certain
            }
            try
            {
                var reader = new Utf8JsonReader(text[..newline]);
                using var doc = JsonDocument.ParseValue(ref reader);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) return false;
                var isHeader = root.TryGetProperty("rec", out var rec) && rec.ValueKind == JsonValueKind.String && rec.ValueEquals("header"u8);
                var format = root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
                if (format is not null && !format.StartsWith(KeyFileFormat.FormatName, StringComparison.Ordinal)) return false;
                if (!prefixed && !(isHeader && format is not null)) return false;
                DateTimeOffset? created = root.TryGetProperty("createdAt", out var c) && c.ValueKind == JsonValueKind.String && c.TryGetDateTimeOffset(out var t) ? t.ToUniversalTime() : null;
                string? address = null, version = null;
                if (root.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.Object)
                {
                    if (source.TryGetProperty("address", out var a) && a.ValueKind == JsonValueKind.String) address = a.GetString();
                    if (source.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String) version = v.GetString();
                }
                result = new Result(BackupFormat.KeysJsonl, created, version, address);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                // A damaged header line (or text that is not UTF-8): still our format by its first bytes; verification reports the damage.
                if (!prefixed) return false;
                result = new Result(BackupFormat.KeysJsonl, null, null, null);
            }
            return true;
        }

        /// <summary>The seed service's <c>{"timestamp": "…", "created_at": "…", "data": {…}}</c>, read token by token up to "data".</summary>
        private static bool TrySeed(ReadOnlySpan<byte> text, out Result result)
        {
            result = default;
            var reader = new Utf8JsonReader(text, isFinalBlock: false, state: default);
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
                if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("timestamp"u8)) return false;
                DateTimeOffset? created = null;
                while (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName && !reader.ValueTextEquals("data"u8))
                {
                    var isCreated = reader.ValueTextEquals("created_at"u8);
                    if (!reader.Read()) break;
                    if (isCreated && reader.TokenType == JsonTokenType.String && DateTime.TryParse(reader.GetString(), System.Globalization.CultureInfo.InvariantCulture,
                            System.Globalization.DateTimeStyles.AssumeLocal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var t))
                        created = new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc));
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) break;
                    if (!reader.Read()) break;
                }
                result = new Result(BackupFormat.SeedJson, created, null, null);
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
            catch (InvalidOperationException)
            {
                // "created_at" is not valid UTF-8: still the seed's format; its time comes from the name.
                result = new Result(BackupFormat.SeedJson, null, null, null);
                return true;
            }
        }
    }
}
