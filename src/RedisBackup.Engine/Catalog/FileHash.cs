using System.Security.Cryptography;

namespace RedisBackup.Engine.Catalog;

/// <summary>SHA-256 of files and streams, streamed in fixed-size chunks, as lower-case hex (the form sha256sum prints).</summary>
internal static class FileHash
{
    private const int ChunkBytes = 1 << 20;

    public static string Sha256(Stream stream)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ChunkBytes];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0) hash.AppendData(buffer, 0, n);
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    public static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
        return Sha256(stream);
    }
}
