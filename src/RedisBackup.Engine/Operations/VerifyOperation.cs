using System.IO.Compression;
using System.Text.Json;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Errors;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;

using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Operations;

/// <summary>Verifies one backup file: SHA-256 against its sidecar (when recorded) and the structure (RDB walk or key-file trailer).</summary>
public static class VerifyOperation
{
    /// <summary>
    /// Never throws for a bad file: problems are reported in the result. Throws NotFound when the file is missing.
    /// A file whose structure could be checked only in part (an RDB of a server newer than this reader, with a matching
    /// CRC64) is valid at <see cref="VerificationLevel.Partial"/>, and <see cref="VerifyResult.NotChecked"/> says what was not checked.
    /// </summary>
    public static Task<VerifyResult> RunAsync(string path, bool deep = false, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
        => RunAsync(path, deep, strict: false, progress, cancellationToken);

    /// <summary>
    /// As <see cref="RunAsync(string, bool, IProgress{OperationProgress}?, CancellationToken)"/>; with <paramref name="strict"/>
    /// a part that could not be checked is a problem and the result is not valid (the metadata still records what the checks found).
    /// </summary>
    public static async Task<VerifyResult> RunAsync(string path, bool deep, bool strict, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var result = await VerifyFullyAsync(BackupCatalog.Describe(path), deep, progress, cancellationToken).ConfigureAwait(false);
        return strict ? Strictly(result) : result;
    }

    /// <summary>The result under strict verification: every part that could not be checked is a failure.</summary>
    public static VerifyResult Strictly(VerifyResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.NotChecked.Count == 0) return result;
        return result with
        {
            IsValid = false,
            Problems = [.. result.Problems, .. result.NotChecked.Select(part => "Strict verification: part of the file was not checked (" + part + ")")],
        };
    }

    /// <summary>
    /// The check that runs before every restore. When the metadata sidecar carries a valid seal of this user's key
    /// (<see cref="SidecarSeal"/>: the tool itself verified the file's structure and recorded its SHA-256, key count and
    /// databases), an unchanged SHA-256 proves the structure is unchanged, so only the hash is recomputed (a fraction of
    /// a full walk). Any other file (foreign, never verified, failed, no checksum, or a sidecar edited by hand or by
    /// anyone who can write the catalog) gets the full verification of
    /// <see cref="RunAsync(string, bool, IProgress{OperationProgress}?, CancellationToken)"/>.
    /// </summary>
    public static async Task<VerifyResult> CheckBeforeRestoreAsync(string path, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var backup = BackupCatalog.Describe(path);
        var sealedDoc = TrustedSidecar(backup);
        if (sealedDoc is null)
            return await VerifyFullyAsync(backup, deep: false, progress, cancellationToken, throwIfTooNew: true).ConfigureAwait(false);

        var activity = $"Checking {backup.Name}";
        string sha256;
        var file = OpenRead(backup.Path);
        await using (file.ConfigureAwait(false))
        {
            var total = file.Length;
            var hashing = new HashingReadStream(file, n => progress?.Report(new OperationProgress { Activity = activity, Status = $"{n} of {total} bytes", Done = n, Total = total, Bytes = n }));
            await using (hashing.ConfigureAwait(false))
                sha256 = await hashing.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        var matches = string.Equals(sealedDoc.Sha256, sha256, StringComparison.OrdinalIgnoreCase);
        var level = BackupSidecar.ParseLevel(sealedDoc.VerificationLevel); // sealed with the rest
        return new VerifyResult
        {
            Name = backup.Name,
            Path = backup.Path,
            Kind = backup.Kind,
            Format = backup.Format,
            IsValid = matches,
            Sha256 = sha256,
            ChecksumMatches = matches,
            KeyCount = sealedDoc.KeyCount,
            Databases = matches ? sealedDoc.Databases : null,
            Problems = matches ? [] : [$"SHA-256 mismatch: the sidecar records {sealedDoc.Sha256}, the file has {sha256}; the file changed after it was written"],
            Level = matches ? level : null,
            Note = sealedDoc.VerificationNote,
            NotChecked = matches && level == VerificationLevel.Partial ? [NotCheckedPart(sealedDoc.VerificationNote)] : [],
        };
    }

    /// <summary>True when a restore may check <paramref name="path"/> by its hash alone: its sidecar is sealed by this user's key.</summary>
    public static bool HasTrustedSidecar(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return TrustedSidecar(BackupCatalog.Describe(path)) is not null;
    }

    /// <summary>The sidecar, when its seal is valid and it describes this very file; otherwise null.</summary>
    private static SidecarDocument? TrustedSidecar(BackupRecord backup)
    {
        if (!backup.HasMetadata || BackupSidecar.TryRead(backup.Path) is not { } doc || !SidecarSeal.IsValid(doc)) return null;
        return doc.SizeBytes == backup.SizeBytes && BackupSidecar.FormatText(backup.Format) == doc.Format && backup.Compressed == doc.Compressed ? doc : null;
    }

    private static FileStream OpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException ex)
        {
            throw new RedisBackupException(ErrorKind.NotFound, ErrorIds.BackupNotFound, $"The backup file '{path}' does not exist.", path, ex);
        }
    }

    private static async Task<VerifyResult> VerifyFullyAsync(BackupRecord backup, bool deep, IProgress<OperationProgress>? progress, CancellationToken cancellationToken, bool throwIfTooNew = false)
    {
        var path = backup.Path;
        var expected = backup.HasMetadata ? backup.Sha256 : null;
        expected ??= BackupSidecar.TryReadChecksumFile(backup.Path);
        var activity = $"Verifying {backup.Name}";
        var problems = new List<string>();
        Checked? structure = null;
        var tooNew = false;
        string sha256;

        var file = OpenRead(path);
        await using (file.ConfigureAwait(false))
        {
            var total = file.Length;
            var hashing = new HashingReadStream(file, n => progress?.Report(new OperationProgress { Activity = activity, Status = $"{n} of {total} bytes", Done = n, Total = total, Bytes = n }));
            await using (hashing.ConfigureAwait(false))
            {
                try
                {
                    structure = await CheckStructureAsync(backup, hashing, deep, cancellationToken).ConfigureAwait(false);
                }
                catch (RedisBackupException ex) when (ex.ErrorId == ErrorIds.BackupFormatTooNew && throwIfTooNew)
                {
                    throw;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    problems.Add(Describe(ex));
                    tooNew |= ex is RedisBackupException { ErrorId: ErrorIds.BackupFormatTooNew };
                }
                sha256 = await hashing.DrainAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        bool? matches = expected is null ? null : string.Equals(expected, sha256, StringComparison.OrdinalIgnoreCase);
        if (matches == false)
            problems.Insert(0, $"SHA-256 mismatch: the sidecar records {expected}, the file has {sha256}; the file changed after it was written");

        var valid = problems.Count == 0;
        var level = structure?.Unchecked is null ? VerificationLevel.Full : VerificationLevel.Partial;
        var note = structure?.Note;
        // A file written by a newer redis-backup is not damaged: its recorded verification stays as it was. A walk that
        // passed records (and seals) what it found; a failed one removes the seal.
        if (backup.HasMetadata && !(tooNew && matches != false))
            BackupSidecar.TryUpdateVerification(backup.Path, valid ? VerificationState.Verified : VerificationState.Failed, DateTimeOffset.UtcNow, valid ? structure?.Keys : null,
                level, level == VerificationLevel.Partial ? note : null, valid ? sha256 : null, valid ? structure?.Databases : null);

        return new VerifyResult
        {
            Name = backup.Name,
            Path = backup.Path,
            Kind = backup.Format == BackupFormat.Unknown && !backup.HasMetadata ? null : backup.Kind,
            Format = backup.Format,
            IsValid = valid,
            Sha256 = sha256,
            ChecksumMatches = matches,
            KeyCount = structure?.Keys ?? backup.KeyCount,
            Databases = valid ? structure?.Databases : null,
            Problems = problems,
            Level = valid ? level : null,
            Note = note,
            NotChecked = valid && structure?.Unchecked is { } part ? [NotCheckedPart(note)] : [],
        };
    }

    /// <summary>What a structure check found: the key count, for an RDB what it covered, and the databases that hold keys.</summary>
    private sealed record Checked(long Keys, string? Note, RdbUncheckedPart? Unchecked, IReadOnlyList<int> Databases);

    /// <summary>The one part a partial verification leaves unchecked, as the note that describes it.</summary>
    private static string NotCheckedPart(string? note) => note ?? "part of the structure (no description was recorded)";

    public static Task<VerifyResult> RunAsync(BackupRecord backup, bool deep = false, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
        => RunAsync((backup ?? throw new ArgumentNullException(nameof(backup))).Path, deep, progress, cancellationToken);

    /// <summary>Walks the structure; returns what it found. Throws on the first problem.</summary>
    private static async Task<Checked> CheckStructureAsync(BackupRecord backup, HashingReadStream file, bool deep, CancellationToken ct)
    {
        switch (backup.Format)
        {
            case BackupFormat.Rdb:
            {
                Stream content = backup.Compressed ? new GZipStream(new NonClosingStream(file), CompressionMode.Decompress) : new NonClosingStream(file);
                await using (content.ConfigureAwait(false))
                {
                    var summary = await RdbVerifier.VerifyAsync(new BufferedStream(content, 1 << 20), deep, null, ct).ConfigureAwait(false);
                    return new Checked(summary.Keys, summary.CheckDescription, summary.Unchecked, DatabasesOf(summary.KeysPerDatabase));
                }
            }
            case BackupFormat.KeysJsonl:
            case BackupFormat.SeedJson:
            {
                var summary = await KeyFileVerifier.VerifyAsync(new NonClosingStream(file), ct).ConfigureAwait(false);
                return new Checked(summary.Keys, null, null, DatabasesOf(summary.KeysPerDatabase));
            }
            default:
                throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupFormatUnknown,
                    $"{backup.Name} is not a backup this tool can read: it starts neither with an RDB header (REDIS0…/VALKEY…) nor with a key-level export's header, plain or gzip");
        }
    }

    /// <summary>The databases that hold at least one key, in order.</summary>
    internal static int[] DatabasesOf(IReadOnlyDictionary<int, long> keysPerDatabase)
        => keysPerDatabase.Where(p => p.Value > 0).Select(p => p.Key).Order().ToArray();

    private static string Describe(Exception ex) => ex switch
    {
        RdbFormatException rdb => "RDB structure: " + rdb.Message,
        RedisBackupException rbe => rbe.Message,
        InvalidDataException gz => "The gzip stream is damaged: " + gz.Message,
        EndOfStreamException => "The file ends early: it is truncated",
        JsonException json => "A record is not valid JSON: " + json.Message,
        IOException io => "Reading the file failed: " + io.Message,
        _ => $"The file could not be checked ({ex.GetType().Name}): {ex.Message}",
    };
}
