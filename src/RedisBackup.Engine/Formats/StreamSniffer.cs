using System.IO.Compression;

using RedisBackup.Engine.IO;

namespace RedisBackup.Engine.Formats;

/// <summary>Detects gzip from the first bytes of a stream and returns a stream of the plain content.</summary>
internal static class StreamSniffer
{
    /// <summary>Returns the decompressed view when <paramref name="source"/> starts with the gzip magic, otherwise the bytes as they are. Leaves <paramref name="source"/> open.</summary>
    public static async Task<(Stream Plain, bool Gzip)> OpenPlainAsync(Stream source, CancellationToken ct)
    {
        var head = new byte[2];
        var n = 0;
        while (n < 2)
        {
            var r = await source.ReadAsync(head.AsMemory(n), ct).ConfigureAwait(false);
            if (r == 0) break;
            n += r;
        }
        Stream rejoined = new PrefixedStream(head.AsMemory(0, n), source);
        var gzip = n == 2 && head[0] == 0x1f && head[1] == 0x8b;
        return gzip ? (new GZipStream(rejoined, CompressionMode.Decompress, leaveOpen: false), true) : (rejoined, false);
    }
}
