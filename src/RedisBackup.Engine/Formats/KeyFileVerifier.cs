using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Formats;

/// <summary>What a check of a key-level file found.</summary>
internal sealed record KeyFileSummary
{
    public long Keys { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public string? ServerVersion { get; init; }
    public string? Source { get; init; }
    /// <summary>True for the seed service's single-object JSON format.</summary>
    public bool IsSeedFormat { get; init; }

    /// <summary>Key and chunk records (our format; for the seed format, the records it was split into).</summary>
    public long Records { get; init; }

    public IReadOnlyDictionary<int, long> KeysPerDatabase { get; init; } = new Dictionary<int, long>();

    /// <summary>True when the file stores values as DUMP payloads (exact mode).</summary>
    public bool Exact { get; init; }

    /// <summary>Hash field expiries the file holds (logical backups of Redis 7.4+ / Valkey 9).</summary>
    public long FieldTtls { get; init; }

    /// <summary>The header's requires list: what a reader must understand to restore the file faithfully.</summary>
    public IReadOnlyList<string> Requires { get; init; } = [];

    /// <summary>The names of the function libraries the file holds (empty for none).</summary>
    public IReadOnlyList<string> FunctionLibraries { get; init; } = [];
}

/// <summary>Checks a key-level file end to end: gzip integrity, every record parses, the trailer's counts match.</summary>
internal static class KeyFileVerifier
{
    /// <summary>Throws RedisBackupException(InvalidData, "BackupCorrupt"/"BackupTruncated") with details when the file is bad. Leaves <paramref name="file"/> open.</summary>
    public static async Task<KeyFileSummary> VerifyAsync(Stream file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        var reader = await KeyFileReader.OpenAsync(new NonClosingStream(file), cancellationToken, checkOnly: true).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is not null)
                cancellationToken.ThrowIfCancellationRequested();
            return new KeyFileSummary
            {
                Keys = reader.Keys,
                Records = reader.Records,
                CreatedAt = reader.CreatedAt,
                ServerVersion = reader.Header?.ServerVersion,
                Source = reader.Header?.SourceAddress,
                IsSeedFormat = reader.IsSeedFormat,
                KeysPerDatabase = new Dictionary<int, long>(reader.KeysPerDatabase),
                Exact = reader.Header?.Exact ?? false,
                FieldTtls = reader.FieldTtls,
                Requires = reader.Header?.Requires ?? [],
                FunctionLibraries = reader.Functions?.Names ?? [],
            };
        }
    }
}
