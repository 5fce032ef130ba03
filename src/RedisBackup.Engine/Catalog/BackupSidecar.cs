using System.Text.Json;
using System.Text.Json.Serialization;
using RedisBackup.Engine.IO;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Catalog;

/// <summary>The metadata sidecar "&lt;name&gt;.meta.json" that this tool writes next to each backup it creates.</summary>
internal sealed record SidecarDocument
{
    public int FormatVersion { get; init; } = 1;
    public string Name { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Format { get; init; } = "";
    public bool Compressed { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public long SizeBytes { get; init; }
    public string? Sha256 { get; init; }
    public long? KeyCount { get; init; }
    public string? Source { get; init; }
    public string? ServerVersion { get; init; }
    public string Verification { get; init; } = "notVerified";
    public DateTimeOffset? VerifiedAt { get; init; }

    /// <summary>"full" or "partial" (absent in sidecars older than this field: a verified file was then checked fully).</summary>
    public string? VerificationLevel { get; init; }

    /// <summary>What a partial verification could not check.</summary>
    public string? VerificationNote { get; init; }
    public IReadOnlyDictionary<string, string>? Options { get; init; }
    public string? Tool { get; init; }

    /// <summary>The databases that hold keys, as the verification found them.</summary>
    public IReadOnlyList<int>? Databases { get; init; }

    /// <summary>"hmac-sha256:…" over the fields a restore's fast check trusts, with this user's key (see <see cref="SidecarSeal"/>).</summary>
    public string? Seal { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SidecarDocument))]
internal sealed partial class SidecarJsonContext : JsonSerializerContext;

/// <summary>Reads and writes the metadata sidecar and the "sha256sum -c" checksum file of a backup.</summary>
internal static class BackupSidecar
{
    private const long MaxSidecarBytes = 1 << 20;

    public static string ToText(SidecarDocument doc) => JsonSerializer.Serialize(doc, SidecarJsonContext.Default.SidecarDocument) + "\n";

    /// <summary>"&lt;hex&gt;  &lt;name&gt;\n", the form sha256sum writes and "sha256sum -c" checks.</summary>
    public static string ChecksumLine(string sha256, string name) => sha256 + "  " + name + "\n";

    /// <summary>The sidecar of a new backup; sealed when it was verified and the user's key can be used.</summary>
    public static SidecarDocument Create(string name, PendingBackup pending, BackupMetadata metadata, long size, string sha256, DateTimeOffset now)
    {
        var doc = Unsealed(name, pending, metadata, size, sha256, now);
        return doc with { Seal = SidecarSeal.TrySeal(doc) };
    }

    private static SidecarDocument Unsealed(string name, PendingBackup pending, BackupMetadata metadata, long size, string sha256, DateTimeOffset now) => new()
    {
        Name = name,
        Kind = KindText(pending.Kind),
        Format = FormatText(pending.Format),
        Compressed = pending.Compressed,
        CreatedAt = pending.CreatedAt.ToUniversalTime(),
        SizeBytes = size,
        Sha256 = sha256,
        KeyCount = metadata.KeyCount,
        Source = metadata.Source,
        ServerVersion = metadata.ServerVersion,
        Verification = metadata.Verified ? "verified" : "notVerified",
        VerifiedAt = metadata.Verified ? now : null,
        VerificationLevel = metadata.Verified ? LevelText(metadata.VerificationLevel) : null,
        VerificationNote = metadata.Verified ? metadata.VerificationNote : null,
        Options = metadata.Options,
        Tool = "RedisBackup " + typeof(BackupSidecar).Assembly.GetName().Version?.ToString(3),
        Databases = metadata.Databases,
    };

    /// <summary>The sidecar of the backup at <paramref name="backupPath"/>, or null when absent, unreadable or describing another file.</summary>
    public static SidecarDocument? TryRead(string backupPath)
    {
        var path = backupPath + BackupNaming.MetadataSuffix;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxSidecarBytes) return null;
            using var stream = RegularFile.OpenRead(path);
            var doc = JsonSerializer.Deserialize(stream, SidecarJsonContext.Default.SidecarDocument);
            return doc is not null && string.Equals(doc.Name, Path.GetFileName(backupPath), StringComparison.Ordinal) ? doc : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The hex digest in a "&lt;name&gt;.sha256" file, or null.</summary>
    public static string? TryReadChecksumFile(string backupPath)
    {
        try
        {
            var info = new FileInfo(backupPath + BackupNaming.ChecksumSuffix);
            if (!info.Exists || info.Length > 4096) return null;
            using var stream = RegularFile.OpenRead(info.FullName);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd().Trim();
            var hex = text.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return hex is { Length: 64 } && hex.All(Uri.IsHexDigit) ? hex.ToLowerInvariant() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static BackupRecord ToRecord(SidecarDocument doc, string path, long actualSize) => new()
    {
        Name = Path.GetFileName(path),
        Path = path,
        Kind = ParseKind(doc.Kind) ?? BackupKind.KeyLevel,
        CreatedAt = doc.CreatedAt.ToUniversalTime(),
        SizeBytes = actualSize,
        Compressed = doc.Compressed,
        KeyCount = doc.KeyCount,
        Source = doc.Source,
        ServerVersion = doc.ServerVersion,
        Sha256 = doc.Sha256,
        Verification = ParseVerification(doc.Verification),
        VerificationLevel = ParseVerification(doc.Verification) == VerificationState.Verified ? ParseLevel(doc.VerificationLevel) : null,
        VerificationNote = doc.VerificationNote,
        Format = ParseFormat(doc.Format),
        HasMetadata = true,
        Series = SeriesOf(doc),
    };

    /// <summary>"kind|source|selection": backups of one series rotate each other away; see <see cref="BackupRecord.Series"/>.</summary>
    private static string? SeriesOf(SidecarDocument doc) => SeriesFor(doc.Kind, doc.Source, doc.Options);

    /// <summary>The series of a backup of this kind ("keyLevel"/"snapshot"), source and recorded options (a plan asks before the backup exists).</summary>
    internal static string? SeriesFor(string kind, string? source, IReadOnlyDictionary<string, string>? options)
    {
        if (string.IsNullOrEmpty(source)) return null;
        var selection = "";
        if (kind == "keyLevel" && options is { } o)
        {
            string Get(string key) => o.TryGetValue(key, out var v) ? v : "";
            selection = $"db={Get("databases")};match={Get("match")};types={Get("types")}";
        }
        return kind + "|" + source + "|" + selection;
    }

    public static string KindText(BackupKind kind) => kind == BackupKind.Snapshot ? "snapshot" : "keyLevel";

    public static string FormatText(BackupFormat format) => format switch
    {
        BackupFormat.Rdb => "rdb",
        BackupFormat.KeysJsonl => "keys-jsonl",
        BackupFormat.SeedJson => "seed-json",
        _ => "unknown",
    };

    public static string VerificationText(VerificationState state) => state switch
    {
        VerificationState.Verified => "verified",
        VerificationState.Failed => "failed",
        _ => "notVerified",
    };

    public static string LevelText(VerificationLevel level) => level == Model.VerificationLevel.Partial ? "partial" : "full";

    public static VerificationLevel ParseLevel(string? text) => text == "partial" ? Model.VerificationLevel.Partial : Model.VerificationLevel.Full;

    private static BackupKind? ParseKind(string text) => text switch
    {
        "snapshot" => BackupKind.Snapshot,
        "keyLevel" => BackupKind.KeyLevel,
        _ => null,
    };

    private static BackupFormat ParseFormat(string text) => text switch
    {
        "rdb" => BackupFormat.Rdb,
        "keys-jsonl" => BackupFormat.KeysJsonl,
        "seed-json" => BackupFormat.SeedJson,
        _ => BackupFormat.Unknown,
    };

    private static VerificationState ParseVerification(string text) => text switch
    {
        "verified" => VerificationState.Verified,
        "failed" => VerificationState.Failed,
        _ => VerificationState.NotVerified,
    };

    /// <summary>
    /// Records a verification outcome in an existing sidecar (best effort; returns false when it could not), with its
    /// level and, for a partial one, what could not be checked. A full walk that passed records what it found (the
    /// SHA-256 it computed, the key count, the databases) and seals them with the level; a failed one removes the seal.
    /// </summary>
    public static bool TryUpdateVerification(string backupPath, VerificationState state, DateTimeOffset at, long? keyCount,
        VerificationLevel level = Model.VerificationLevel.Full, string? note = null, string? sha256 = null, IReadOnlyList<int>? databases = null)
    {
        var doc = TryRead(backupPath);
        if (doc is null) return false;
        var verified = state == VerificationState.Verified;
        try
        {
            var updated = doc with
            {
                Verification = VerificationText(state),
                VerifiedAt = at,
                KeyCount = keyCount ?? doc.KeyCount,
                VerificationLevel = verified ? LevelText(level) : null,
                VerificationNote = verified ? note : null,
                Seal = null,
            };
            if (verified && sha256 is not null && databases is not null)
            {
                updated = updated with { Sha256 = sha256, Databases = databases };
                updated = updated with { Seal = SidecarSeal.TrySeal(updated) };
            }
            AtomicFile.WriteAllText(backupPath + BackupNaming.MetadataSuffix, ToText(updated));
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
