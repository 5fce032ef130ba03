using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace RedisBackup.Tests.Restore;

/// <summary>A key-level backup file of many small string keys (k0 … kN-1 in one database), written straight to disk.</summary>
internal static class ManyKeysFile
{
    /// <param name="badAt">A record index whose value has the wrong shape (a damaged record), or null.</param>
    public static string Write(string path, int keys, int db = 0, int? badAt = null)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        using var text = new StreamWriter(gz, new UTF8Encoding(false), 1 << 16);
        text.Write("{\"rec\":\"header\",\"format\":\"redisbackup-keys\",\"version\":1,\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"createdAtMs\":1704067200000,\"source\":{\"address\":\"x:1\",\"version\":null,\"role\":null},\"options\":{\"databases\":null,\"match\":null,\"types\":null,\"exact\":false}}\n");
        var d = db.ToString(CultureInfo.InvariantCulture);
        for (var i = 0; i < keys; i++)
        {
            var n = i.ToString(CultureInfo.InvariantCulture);
            text.Write(i == badAt
                ? "{\"rec\":\"key\",\"db\":" + d + ",\"key\":\"bad\",\"type\":\"hash\",\"value\":[\"odd\"]}\n"
                : "{\"rec\":\"key\",\"db\":" + d + ",\"key\":\"k" + n + "\",\"type\":\"string\",\"value\":\"value-" + n + "\"}\n");
        }
        var k = keys.ToString(CultureInfo.InvariantCulture);
        text.Write("{\"rec\":\"trailer\",\"keys\":" + k + ",\"records\":" + k + ",\"databases\":{\"" + d + "\":" + k + "},\"vanished\":0,\"duplicates\":0,\"completedAt\":\"2024-01-01T00:00:00.000Z\"}\n");
        return path;
    }
}
