using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Catalog;

/// <summary>
/// The seal that lets a restore trust a backup's metadata sidecar instead of walking the whole file again: an
/// HMAC-SHA256 over what the fast check relies on (the file's SHA-256 and size, its format, its key count, the
/// databases that hold keys, and its verification level and note), with a secret key of the user running the tool. Whoever can write the catalog can edit a
/// sidecar, but cannot make a seal that verifies without that key, so an edited sidecar (one made to match a truncated
/// file, say) gets the full structural walk before anything is written.
///
/// The key: 32 random bytes in <c>$XDG_CONFIG_HOME/redisbackup/sidecar.key</c> (else <c>~/.config/redisbackup/</c>;
/// <c>%APPDATA%\redisbackup\</c> on Windows), created on first use, owner-only (0600, in a 0700 directory), never inside
/// a catalog. On Unix a key is used only when it is a regular file of 32 bytes, not a link, with no group or other
/// permission, in a directory that is not a link and not writable by group or others, both owned by the user running
/// the tool (proved by changing their mode to the mode they already have, which only the owner or root may do);
/// otherwise nothing is sealed and nothing is trusted: every restore walks the file. A backup sealed by another user
/// (a root cron job, restored by someone else) is simply walked: a seal is a shortcut, never a requirement.
/// </summary>
internal static class SidecarSeal
{
    private const string Scheme = "hmac-sha256:";
    private const int KeyBytes = 32;
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                              | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static readonly ConcurrentDictionary<string, byte[]> Loaded = new(StringComparer.Ordinal);

    /// <summary>Where this user's key lives (it may not exist yet).</summary>
    public static string KeyPath()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        string root;
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) root = xdg; // a relative XDG_CONFIG_HOME is ignored, as the spec says
        else if (OperatingSystem.IsWindows()) root = Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData);
        else root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(root, "redisbackup", "sidecar.key");
    }

    /// <summary>The seal of a verified sidecar, or null when it cannot be sealed (not verified, fields missing, no usable key).</summary>
    public static string? TrySeal(SidecarDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        if (Canonical(doc) is not { } text || LoadKey(create: true) is not { } key) return null;
        return Scheme + Convert.ToHexString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
    }

    /// <summary>True only when the sidecar carries a seal made with this user's key over exactly its present fields.</summary>
    public static bool IsValid(SidecarDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        if (doc.Seal is not { } seal || !seal.StartsWith(Scheme, StringComparison.Ordinal)) return false;
        if (Canonical(doc) is not { } text || LoadKey(create: false) is not { } key) return false;
        byte[] given;
        try
        {
            given = Convert.FromHexString(seal.AsSpan(Scheme.Length));
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(given, HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>
    /// The sealed text: what the fast check trusts, and nothing else. The file name is not in it: the seal is bound to
    /// the content by its SHA-256, so a copy under another name keeps a valid seal.
    /// </summary>
    private static string? Canonical(SidecarDocument doc)
    {
        if (doc.Verification != "verified" || doc.Sha256 is not { Length: 64 } sha || doc.KeyCount is not { } keys || doc.Databases is not { } dbs) return null;
        var text = new StringBuilder("redisbackup-sidecar-seal/1\n");
        text.Append(CultureInfo.InvariantCulture, $"format={doc.Format}\ncompressed={(doc.Compressed ? "true" : "false")}\nsize={doc.SizeBytes}\n");
        text.Append(CultureInfo.InvariantCulture, $"sha256={sha.ToLowerInvariant()}\nkeys={keys}\ndatabases={string.Join(',', dbs)}\n");
        // The level too: a restore's fast check reports it (a partial verification says so), so it must not be editable.
        var note = doc.VerificationNote is { } n ? Convert.ToBase64String(Encoding.UTF8.GetBytes(n)) : "-";
        text.Append(CultureInfo.InvariantCulture, $"level={doc.VerificationLevel ?? "full"}\nnote={note}\n");
        return text.ToString();
    }

    /// <summary>This user's key, created when <paramref name="create"/> and missing; null when there is none or it is not safe to use.</summary>
    private static byte[]? LoadKey(bool create)
    {
        var path = KeyPath();
        if (Loaded.TryGetValue(path, out var cached)) return cached;
        try
        {
            var dir = Path.GetDirectoryName(path)!;
            if (!Directory.Exists(dir))
            {
                if (!create) return null;
                if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
                else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            if (!File.Exists(path))
            {
                if (!create) return null;
                Create(path);
            }
            if (!OperatingSystem.IsWindows() && (!IsSafeDirectory(dir) || !IsSafeFile(path))) return null;
            var key = File.ReadAllBytes(path);
            if (key.Length != KeyBytes) return null;
            Loaded[path] = key;
            return key;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes a new key under a temporary name and moves it into place without replacing one another process made meanwhile.</summary>
    private static void Create(string path)
    {
        var temp = path + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp";
        try
        {
            using (var stream = OwnerOnlyFiles.CreateNew(temp, FileAccess.Write, 4096))
            {
                stream.Write(RandomNumberGenerator.GetBytes(KeyBytes));
                stream.Flush(flushToDisk: true);
            }
            try
            {
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created the key first: use that one.
            }
        }
        finally
        {
            AtomicFile.TryDelete(temp);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static bool IsSafeDirectory(string dir)
    {
        var info = new DirectoryInfo(dir);
        if (info.LinkTarget is not null) return false;
        var mode = info.UnixFileMode;
        if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0) return false;
        return ProvesOwnership(() => File.SetUnixFileMode(dir, mode));
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static bool IsSafeFile(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || (info.Attributes & FileAttributes.Directory) != 0 || info.Length != KeyBytes) return false;
        var mode = info.UnixFileMode;
        if ((mode & GroupOrOther) != 0) return false;
        return ProvesOwnership(() => File.SetUnixFileMode(path, mode));
    }

    /// <summary>Setting a mode (to the one it already has) succeeds only for the owner (or root): the ownership check .NET offers.</summary>
    private static bool ProvesOwnership(Action chmod)
    {
        try
        {
            chmod();
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
