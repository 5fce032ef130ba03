using System.Text;
using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Catalog;

/// <summary>Small files (sidecars, the journal) written whole: a hidden temporary file, flushed to disk, then renamed over the target.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string content) => WriteAllBytes(path, Encoding.UTF8.GetBytes(content));

    public static void WriteAllBytes(string path, byte[] content)
    {
        var temp = PrepareTemporary(path, content);
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="content"/> to a hidden temporary file next to <paramref name="path"/> and returns its path.</summary>
    public static string PrepareTemporary(string path, string content) => PrepareTemporary(path, Encoding.UTF8.GetBytes(content));

    /// <summary>Writes <paramref name="content"/> to a hidden temporary file next to <paramref name="path"/> and returns its path.</summary>
    public static string PrepareTemporary(string path, byte[] content)
    {
        var dir = Path.GetDirectoryName(path) ?? ".";
        var temp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..12] + BackupNaming.PartialSuffix);
        try
        {
            using var stream = OwnerOnlyFiles.CreateNew(temp, FileAccess.Write, 4096);
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        return temp;
    }

    public static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
