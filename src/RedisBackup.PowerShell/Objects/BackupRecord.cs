using System.Globalization;
using EngineModel = RedisBackup.Engine.Model;

namespace RedisBackup.PowerShell;

/// <summary>
/// A backup, as the cmdlets emit it and take it back from the pipeline. Read-only (PowerShell shows every property
/// as {get;}), and its string form is its full path, as a FileInfo's is, so "$backup", -Path $backup and
/// Restore-RedisBackup $backup all name the file.
/// </summary>
public sealed class BackupRecord
{
    private BackupRecord(EngineModel.BackupRecord source)
    {
        Name = source.Name;
        Path = source.Path;
        Kind = source.Kind;
        CreatedAt = source.CreatedAt;
        SizeBytes = source.SizeBytes;
        Compressed = source.Compressed;
        KeyCount = source.KeyCount;
        Source = source.Source;
        ServerVersion = source.ServerVersion;
        Sha256 = source.Sha256;
        Verification = source.Verification;
        VerificationLevel = source.VerificationLevel;
        VerificationNote = source.VerificationNote;
        Format = source.Format;
        HasMetadata = source.HasMetadata;
    }

    /// <summary>File name, e.g. "redis-backup-20260117-230436.rdb".</summary>
    public string Name { get; }

    /// <summary>Full path of the backup file.</summary>
    public string Path { get; }

    public EngineModel.BackupKind Kind { get; }

    /// <summary>When the backup was taken, in UTC.</summary>
    public DateTimeOffset CreatedAt { get; }

    public long SizeBytes { get; }

    /// <summary>True when the file is gzip-compressed.</summary>
    public bool Compressed { get; }

    /// <summary>Number of keys, when known.</summary>
    public long? KeyCount { get; }

    /// <summary>Where it came from: "container:NAME", "redis://host:port", "replication:redis://host:port".</summary>
    public string? Source { get; }

    /// <summary>The source server's version, e.g. "7.0.15".</summary>
    public string? ServerVersion { get; }

    /// <summary>Lower-case hex SHA-256 of the file, when recorded.</summary>
    public string? Sha256 { get; }

    public EngineModel.VerificationState Verification { get; }

    /// <summary>For a verified backup: whether every check ran (Full) or part of the structure was not checked (Partial).</summary>
    public EngineModel.VerificationLevel? VerificationLevel { get; }

    /// <summary>What the last verification checked, when not everything (for a Partial verification).</summary>
    public string? VerificationNote { get; }

    public EngineModel.BackupFormat Format { get; }

    /// <summary>True when this tool's metadata sidecar describes the file.</summary>
    public bool HasMetadata { get; }

    /// <summary>The full path, so the record binds wherever a path is expected.</summary>
    public override string ToString() => Path;

    internal static BackupRecord From(EngineModel.BackupRecord source) => new(source ?? throw new ArgumentNullException(nameof(source)));

    internal static BackupRecord? FromOrNull(EngineModel.BackupRecord? source) => source is null ? null : new(source);

    /// <summary>"12.3 MB": the size as the views print it.</summary>
    internal static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
