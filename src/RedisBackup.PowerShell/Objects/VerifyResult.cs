using System.Collections.ObjectModel;
using EngineCatalog = RedisBackup.Engine.Catalog;
using EngineOperations = RedisBackup.Engine.Operations;

namespace RedisBackup.PowerShell;

/// <summary>The result of verifying one backup file (read-only).</summary>
public sealed class VerifyResult
{
    private VerifyResult(EngineOperations.VerifyResult source)
    {
        Name = source.Name;
        Path = source.Path;
        Kind = source.Kind;
        Format = source.Format;
        IsValid = source.IsValid;
        Sha256 = source.Sha256;
        ChecksumMatches = source.ChecksumMatches;
        KeyCount = source.KeyCount;
        Problems = new ReadOnlyCollection<string>(source.Problems.ToList());
    }

    public string Name { get; }
    public string Path { get; }
    public EngineCatalog.BackupKind? Kind { get; }
    public EngineCatalog.BackupFormat Format { get; }

    /// <summary>True when the checksum (if recorded) matches and the structure checks out.</summary>
    public bool IsValid { get; }

    /// <summary>SHA-256 recomputed now.</summary>
    public string? Sha256 { get; }

    /// <summary>True/false when a recorded checksum was compared; null when none was recorded.</summary>
    public bool? ChecksumMatches { get; }

    public long? KeyCount { get; }

    /// <summary>What is wrong, each with the byte offset where known. Empty when valid.</summary>
    public ReadOnlyCollection<string> Problems { get; }

    public override string ToString() => IsValid ? $"{Name}: valid" : $"{Name}: INVALID ({string.Join("; ", Problems)})";

    internal static VerifyResult From(EngineOperations.VerifyResult source) => new(source ?? throw new ArgumentNullException(nameof(source)));
}
