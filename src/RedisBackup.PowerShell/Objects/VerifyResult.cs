using System.Collections.ObjectModel;
using EngineOperations = RedisBackup.Engine.Operations;
using EngineModel = RedisBackup.Engine.Model;

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
        Databases = source.Databases is null ? null : new ReadOnlyCollection<int>(source.Databases.ToList());
        Problems = new ReadOnlyCollection<string>(source.Problems.ToList());
        Level = source.Level;
        Note = source.Note;
        NotChecked = new ReadOnlyCollection<string>(source.NotChecked.ToList());
    }

    public string Name { get; }
    public string Path { get; }
    public EngineModel.BackupKind? Kind { get; }
    public EngineModel.BackupFormat Format { get; }

    /// <summary>True when the checksum (if recorded) matches and the structure checks out.</summary>
    public bool IsValid { get; }

    /// <summary>SHA-256 recomputed now.</summary>
    public string? Sha256 { get; }

    /// <summary>True/false when a recorded checksum was compared; null when none was recorded.</summary>
    public bool? ChecksumMatches { get; }

    public long? KeyCount { get; }

    /// <summary>The databases that hold keys (in order), when the check established them; null otherwise.</summary>
    public ReadOnlyCollection<int>? Databases { get; }

    /// <summary>What is wrong, each with the byte offset where known. Empty when valid.</summary>
    public ReadOnlyCollection<string> Problems { get; }

    /// <summary>When the checks passed: whether all of them ran (Full) or part of the structure could not be checked (Partial).</summary>
    public EngineModel.VerificationLevel? Level { get; }

    /// <summary>What was checked, for an RDB file: "checksum OK; structure checked to the end", or where and why it stopped.</summary>
    public string? Note { get; }

    /// <summary>The parts of the file no check could cover (empty after a full verification); with -Strict each is also a problem.</summary>
    public ReadOnlyCollection<string> NotChecked { get; }

    public override string ToString()
        => !IsValid ? $"{Name}: INVALID ({string.Join("; ", Problems)})"
           : Level == EngineModel.VerificationLevel.Partial ? $"{Name}: valid in part ({Note})"
           : $"{Name}: valid";

    internal static VerifyResult From(EngineOperations.VerifyResult source) => new(source ?? throw new ArgumentNullException(nameof(source)));
}
