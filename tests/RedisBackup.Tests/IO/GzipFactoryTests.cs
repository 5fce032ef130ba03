using System.IO.Compression;
using System.Security.Cryptography;
using RedisBackup.Engine.IO;

namespace RedisBackup.Tests.IO;

public class GzipFactoryTests
{
    private static byte[] Compress(Func<Stream, GZipStream> create, byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = create(output)) gzip.Write(data);
        return output.ToArray();
    }

    private static byte[] Decompress(byte[] data)
    {
        using var input = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    [Fact]
    public void Base64_payloads_get_huffman_only_coding_and_round_trip()
    {
        var lines = new System.Text.StringBuilder();
        for (var i = 0; i < 2000; i++) lines.Append("{\"rec\":\"key\",\"db\":0,\"dump\":\"").Append(Convert.ToBase64String(RandomNumberGenerator.GetBytes(300))).Append("\"}\n");
        var text = System.Text.Encoding.ASCII.GetBytes(lines.ToString());

        var huffman = Compress(GzipFactory.ForEncodedPayloads, text);
        var fastest = Compress(GzipFactory.Fastest, text);
        Assert.Equal(text, Decompress(huffman));
        Assert.Equal(text, Decompress(fastest));
        Assert.True(huffman.Length < 0.8 * text.Length, $"Huffman-only: {huffman.Length} of {text.Length} bytes");
        Assert.True(huffman.Length < fastest.Length, $"Huffman-only {huffman.Length} bytes, fastest level {fastest.Length} bytes");
    }
}
