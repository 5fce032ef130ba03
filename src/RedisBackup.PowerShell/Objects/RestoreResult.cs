using System.Collections.ObjectModel;
using System.Globalization;
using EngineModel = RedisBackup.Engine.Model;

namespace RedisBackup.PowerShell;

/// <summary>
/// A key and a reason, in a database (read-only): what <see cref="KeyFailure"/> and <see cref="KeyWarning"/> share.
/// Only those two derive from it.
/// </summary>
public abstract class KeyIssue
{
    private protected KeyIssue(int database, string key, string reason)
    {
        Database = database;
        Key = key;
        Reason = reason;
    }

    public int Database { get; }
    public string Key { get; }
    public string Reason { get; }

    public override string ToString() => $"db {Database.ToString(CultureInfo.InvariantCulture)} '{Key}': {Reason}";
}

/// <summary>One key that could not be restored (read-only).</summary>
public sealed class KeyFailure : KeyIssue
{
    private KeyFailure(EngineModel.KeyFailure source)
        : base(source.Database, source.Key, source.Reason)
    {
    }

    internal static KeyFailure From(EngineModel.KeyFailure source) => new(source ?? throw new ArgumentNullException(nameof(source)));
}

/// <summary>One key that was restored with something left out, such as hash field TTLs the target cannot keep (read-only).</summary>
public sealed class KeyWarning : KeyIssue
{
    private KeyWarning(EngineModel.KeyWarning source)
        : base(source.Database, source.Key, source.Reason)
    {
    }

    internal static KeyWarning From(EngineModel.KeyWarning source) => new(source ?? throw new ArgumentNullException(nameof(source)));
}

/// <summary>A key in a database (the key as text, or "base64:..." when it is not valid UTF-8; read-only).</summary>
public sealed class KeyPosition
{
    private KeyPosition(EngineModel.KeyPosition source)
    {
        Database = source.Database;
        Key = source.Key;
    }

    public int Database { get; }
    public string Key { get; }

    public override string ToString() => $"db {Database.ToString(CultureInfo.InvariantCulture)} '{Key}'";

    internal static KeyPosition? FromOrNull(EngineModel.KeyPosition? source) => source is null ? null : new(source);
}

/// <summary>A big key that a stopped restore cut off part-way (read-only).</summary>
public sealed class IncompleteKey
{
    private IncompleteKey(EngineModel.IncompleteKey source)
    {
        Database = source.Database;
        Key = source.Key;
        Removed = source.Removed;
    }

    public int Database { get; }
    public string Key { get; }

    /// <summary>True when its partial value was deleted again; false when an incomplete value may be on the target.</summary>
    public bool Removed { get; }

    public override string ToString()
        => $"db {Database.ToString(CultureInfo.InvariantCulture)} '{Key}' ({(Removed ? "its partial value was removed" : "an incomplete value may be on the target")})";

    internal static IncompleteKey? FromOrNull(EngineModel.IncompleteKey? source) => source is null ? null : new(source);
}

/// <summary>A function library that could not be restored, and the server's reason (read-only).</summary>
public sealed class FunctionFailure
{
    private FunctionFailure(EngineModel.FunctionFailure source)
    {
        Library = source.Library;
        Reason = source.Reason;
    }

    public string Library { get; }
    public string Reason { get; }

    public override string ToString() => $"{Library}: {Reason}";

    internal static FunctionFailure From(EngineModel.FunctionFailure source) => new(source ?? throw new ArgumentNullException(nameof(source)));
}

/// <summary>What a restore did with the backup's function libraries (Redis 7.0+, Valkey; read-only).</summary>
public sealed class FunctionRestoreResult
{
    private FunctionRestoreResult(EngineModel.FunctionRestoreResult source)
    {
        Libraries = source.Libraries;
        Restored = source.Restored;
        Skipped = source.Skipped;
        Failed = source.Failed;
        NotSelected = source.NotSelected;
        Method = source.Method;
        SkippedLibraries = new ReadOnlyCollection<string>(source.SkippedLibraries.ToList());
        NotSelectedLibraries = new ReadOnlyCollection<string>(source.NotSelectedLibraries.ToList());
        Failures = new ReadOnlyCollection<FunctionFailure>(source.Failures.Select(FunctionFailure.From).ToList());
    }

    /// <summary>Libraries in the backup.</summary>
    public int Libraries { get; }

    public int Restored { get; }

    /// <summary>Libraries the target already had (left as they are; -Replace replaces them).</summary>
    public int Skipped { get; }

    public int Failed { get; }

    /// <summary>Libraries left out because -SourceDatabase, -Match or -Type filtered the restore (function libraries are not keys).</summary>
    public int NotSelected { get; }

    /// <summary>"restore" (FUNCTION RESTORE), "load" (FUNCTION LOAD of each library's code, for an older target), "restore, load", or "none" (left out).</summary>
    public string Method { get; }

    public ReadOnlyCollection<string> SkippedLibraries { get; }
    public ReadOnlyCollection<string> NotSelectedLibraries { get; }

    /// <summary>Each library that failed, with the server's reason.</summary>
    public ReadOnlyCollection<FunctionFailure> Failures { get; }

    public override string ToString()
        => NotSelected > 0
            ? $"{NotSelected.ToString(CultureInfo.InvariantCulture)} libraries left out (filtered restore)"
            : $"{Restored.ToString(CultureInfo.InvariantCulture)} of {Libraries.ToString(CultureInfo.InvariantCulture)} restored ({Method}), {Skipped.ToString(CultureInfo.InvariantCulture)} skipped, {Failed.ToString(CultureInfo.InvariantCulture)} failed";

    internal static FunctionRestoreResult? FromOrNull(EngineModel.FunctionRestoreResult? source) => source is null ? null : new(source);
}

/// <summary>The result of restoring one backup (read-only): which backup, where to, and what happened to its keys.</summary>
public sealed class RestoreResult
{
    private RestoreResult(EngineModel.RestoreResult source)
    {
        BackupPath = source.BackupPath;
        Backup = source.BackupPath is null ? null : System.IO.Path.GetFileName(source.BackupPath);
        Target = source.Target;
        Method = source.Method;
        Database = source.Database;
        Restored = source.Restored;
        Skipped = source.Skipped;
        Expired = source.Expired;
        Failed = source.Failed;
        Total = source.Total;
        Failures = new ReadOnlyCollection<KeyFailure>(source.Failures.Select(KeyFailure.From).ToList());
        FieldTtlsKept = source.FieldTtlsKept;
        FieldTtlsLost = source.FieldTtlsLost;
        FieldsExpired = source.FieldsExpired;
        KeysWithWarnings = source.KeysWithWarnings;
        Warnings = new ReadOnlyCollection<KeyWarning>(source.Warnings.Select(KeyWarning.From).ToList());
        Replayed = source.Replayed;
        DetailsNotKept = source.DetailsNotKept;
        NotSelected = source.NotSelected;
        Functions = FunctionRestoreResult.FromOrNull(source.Functions);
        Complete = source.Complete;
        Unconfirmed = source.Unconfirmed;
        LastWritten = KeyPosition.FromOrNull(source.LastWritten);
        IncompleteKey = IncompleteKey.FromOrNull(source.IncompleteKey);
        Duration = source.Duration;
        SafetySnapshot = BackupRecord.FromOrNull(source.SafetySnapshot);
        Checked = source.Checked;
        InterruptedRestoreCopy = BackupRecord.FromOrNull(source.InterruptedRestoreCopy);
        Success = source.Success;
    }

    /// <summary>The name of the backup that was restored.</summary>
    public string? Backup { get; }

    /// <summary>The full path of the backup that was restored.</summary>
    public string? BackupPath { get; }

    /// <summary>Where it went: "redis://host:port" or "container:NAME".</summary>
    public string Target { get; }

    /// <summary>"live" (keys written into a running server) or "container" (file swapped, container restarted).</summary>
    public string Method { get; }

    /// <summary>The database every key was written into (-ToDatabase, or the database of -Uri); null when each key went back to its own.</summary>
    public int? Database { get; }

    public long Restored { get; }
    public long Skipped { get; }
    public long Expired { get; }
    public long Failed { get; }

    /// <summary>Keys in the backup (restored + skipped + expired + failed).</summary>
    public long Total { get; }

    /// <summary>Up to the first 1,000 failures with their reasons; <see cref="Failed"/> counts all.</summary>
    public ReadOnlyCollection<KeyFailure> Failures { get; }

    /// <summary>Hash field TTLs set on the restored keys.</summary>
    public long FieldTtlsKept { get; }

    /// <summary>Hash field TTLs the target could not keep (no hash field expiration): the fields were written without them.</summary>
    public long FieldTtlsLost { get; }

    /// <summary>Hash fields not written because their own expiry had passed.</summary>
    public long FieldsExpired { get; }

    /// <summary>Keys restored with something left out (e.g. their hash field TTLs); <see cref="Warnings"/> names the first 1,000.</summary>
    public long KeysWithWarnings { get; }

    /// <summary>Up to the first 1,000 keys restored with something left out, with what; <see cref="KeysWithWarnings"/> counts all.</summary>
    public ReadOnlyCollection<KeyWarning> Warnings { get; }

    /// <summary>
    /// Keys written with logical commands decoded from their payload or RDB value, because the target cannot take the
    /// payload (a newer RDB version, the other server family, no RESTORE allowed) or the value was too big to hold whole; part of Restored.
    /// </summary>
    public long Replayed { get; }

    /// <summary>Parts of replayed values the target cannot represent (a stream consumer's seen time, …); Warnings names the keys.</summary>
    public long DetailsNotKept { get; }

    /// <summary>Keys of the backup left out by -SourceDatabase, -Match or -Type (not counted in Total).</summary>
    public long NotSelected { get; }

    /// <summary>The backup's function libraries and what became of them; null when it holds none.</summary>
    public FunctionRestoreResult? Functions { get; }

    /// <summary>False when the restore stopped part-way; such a result is the TargetObject of the error, and its counts say how far it got.</summary>
    public bool Complete { get; }

    /// <summary>Keys sent whose replies never came: they may or may not be on the target.</summary>
    public long Unconfirmed { get; }

    /// <summary>The last key the target confirmed as written, if any.</summary>
    public KeyPosition? LastWritten { get; }

    /// <summary>A big key that a stop cut off part-way, if any.</summary>
    public IncompleteKey? IncompleteKey { get; }

    public TimeSpan Duration { get; }

    /// <summary>For a container restore: the safety snapshot taken before anything changed, if one was taken.</summary>
    public BackupRecord? SafetySnapshot { get; }

    /// <summary>For a container restore: what was checked after the restart to prove the server holds the backup's data.</summary>
    public string? Checked { get; }

    /// <summary>For a container restore: the data file an earlier, interrupted restore had kept in the container, copied into the catalog first.</summary>
    public BackupRecord? InterruptedRestoreCopy { get; }

    /// <summary>True when no key and no function library failed and the restore ran to the end.</summary>
    public bool Success { get; }

    public override string ToString()
        => (Complete ? "" : "Stopped part-way: ") + $"Restored {Restored.ToString(CultureInfo.InvariantCulture)} of {Total.ToString(CultureInfo.InvariantCulture)} keys of {Backup} into {Target}"
           + (Failed > 0 ? $"; {Failed.ToString(CultureInfo.InvariantCulture)} failed" : "");

    internal static RestoreResult From(EngineModel.RestoreResult source) => new(source ?? throw new ArgumentNullException(nameof(source)));
}
