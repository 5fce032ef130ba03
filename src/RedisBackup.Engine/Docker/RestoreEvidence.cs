using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RedisBackup.Engine.IO;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Docker;

/// <summary>One key of the backup that the restarted server must hold: its type and, for a string, its value's SHA-256.</summary>
internal sealed record SampledKey(int Database, string Key, string Type, string? ValueSha256);

/// <summary>
/// What a container restore knows about its backup before anything changes, from one full read of the plain RDB:
/// the format (for the version check), the exact size and SHA-256 of the bytes it will send, the keys per database
/// (and how many of them may expire before the check), and a random sample of keys with their type and, for strings,
/// their value. After the restart these prove that the server holds the backup's data (see <see cref="LoadedDataCheck"/>).
/// </summary>
internal sealed class RestoreEvidence
{
    /// <summary>How many keys are sampled.</summary>
    public const int SampleSize = 12;

    /// <summary>String values up to this size are sampled with their value.</summary>
    private const int MaxSampledValue = 1 << 20;

    /// <summary>Keys that expire sooner than this are not sampled: the restart may outlive them.</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromHours(1);

    public required string Magic { get; init; }
    public required int Version { get; init; }

    /// <summary>Bytes of the plain RDB (what is sent).</summary>
    public required long Bytes { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the plain RDB.</summary>
    public required string Sha256 { get; init; }

    public required IReadOnlyDictionary<int, long> KeysPerDatabase { get; init; }

    /// <summary>Keys with an expiry time, per database: the server may have dropped any of them by the time it is checked.</summary>
    public required IReadOnlyDictionary<int, long> ExpiringPerDatabase { get; init; }

    public required IReadOnlyList<SampledKey> Samples { get; init; }

    /// <summary>
    /// False when the reader stopped at a part it does not know (a server newer than this tool wrote the file; its
    /// CRC64 was still checked): the counts are then those before that part, and the server may hold more.
    /// </summary>
    public bool Complete { get; init; } = true;

    public long Keys => KeysPerDatabase.Values.Sum();

    /// <summary>Reads the whole plain RDB once (checking its structure and CRC64 on the way).</summary>
    public static async Task<RestoreEvidence> ReadAsync(RdbSource source, TimeProvider? clock, IProgress<OperationProgress>? progress, string activity, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        var nowMs = (clock ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        var keys = new Dictionary<int, long>();
        var expiring = new Dictionary<int, long>();
        var sample = new List<SampledKey>(SampleSize);
        var random = new Random(20_061_125);
        long eligible = 0;

        var plain = source.OpenPlain();
        await using (plain.ConfigureAwait(false))
        {
            var hashing = new HashingReadStream(plain, read => progress?.Report(new OperationProgress { Activity = activity, Status = $"read {read.ToString("N0", CultureInfo.InvariantCulture)} bytes", Bytes = read }));
            await using (hashing.ConfigureAwait(false))
            {
                var reader = new RdbReader(hashing);
                while (await reader.ReadNextAsync(ct).ConfigureAwait(false) is { } entry)
                {
                    keys[entry.Database] = keys.GetValueOrDefault(entry.Database) + 1;
                    if (entry.ExpireAtMs is not null) expiring[entry.Database] = expiring.GetValueOrDefault(entry.Database) + 1;
                    if (entry.ExpireAtMs is { } at && at < nowMs + (long)ExpiryMargin.TotalMilliseconds) continue;
                    if (!Eligible(entry, out var key, out var type)) continue;
                    // Reservoir sampling: every eligible key has the same chance to be checked.
                    eligible++;
                    if (sample.Count < SampleSize) sample.Add(ToSample(entry, key, type));
                    else if (random.NextInt64(eligible) is var slot && slot < SampleSize) sample[(int)slot] = ToSample(entry, key, type);
                }
                var summary = reader.Summary;
                var sha = await hashing.DrainAsync(ct).ConfigureAwait(false);
                return new RestoreEvidence
                {
                    Magic = summary.Magic,
                    Version = summary.Version,
                    Bytes = hashing.Position,
                    Sha256 = sha,
                    KeysPerDatabase = keys,
                    ExpiringPerDatabase = expiring,
                    Samples = sample,
                    Complete = summary.IsComplete,
                };
            }
        }
    }

    /// <summary>Keys redis-cli can name (UTF-8 without NUL) of a type TYPE reports.</summary>
    private static bool Eligible(RdbEntry entry, out string key, out string type)
    {
        key = "";
        type = TypeName(entry.Type) ?? "";
        if (type.Length == 0) return false;
        try
        {
            key = StrictUtf8.GetString(entry.Key);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        return !key.Contains('\0', StringComparison.Ordinal);
    }

    /// <summary>The sample of a key: a string's value is kept as its SHA-256 (type only for a string over 1 MiB).</summary>
    private static SampledKey ToSample(RdbEntry entry, string key, string type)
    {
        string? sha = null;
        if (RedisKeyTypes.Parse(type) == RedisKeyType.String && entry.Value is { } raw)
        {
            var input = new RdbInput(new MemoryStream(raw, writable: false), Math.Max(64, raw.Length));
            var value = input.ReadBlob("a string value");
            if (value.Length <= MaxSampledValue) sha = Convert.ToHexStringLower(SHA256.HashData(value));
        }
        return new SampledKey(entry.Database, key, type, sha);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>The name TYPE answers for an RDB value type; null for module values and types this check does not know.</summary>
    internal static string? TypeName(byte rdbType) => rdbType switch
    {
        0 => "string",
        1 or 10 or 14 or 18 => "list",
        2 or 11 or 20 => "set",
        3 or 5 or 12 or 17 => "zset",
        4 or 9 or 13 or 16 or 22 or 23 or 24 or 25 => "hash",
        15 or 19 or 21 => "stream",
        _ => null,
    };
}
