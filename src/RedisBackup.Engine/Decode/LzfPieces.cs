using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Decode;

/// <summary>
/// Decompresses an LZF string straight from the file in pieces, so a string of any size never sits in memory whole.
/// LZF refers back at most 8 KiB, so only the last 8 KiB of output are kept between pieces; the compressed bytes are read
/// in blocks. The same bounds are checked as by <see cref="Lzf.TryDecompress"/>.
/// </summary>
internal static class LzfPieces
{
    /// <summary>How far back an LZF back reference may point.</summary>
    private const int History = 8192;

    /// <summary>The most one token writes: a back reference of 7 + 255 + 2 bytes.</summary>
    private const int MaxTokenOutput = 264;

    private const int InputBlock = 64 * 1024;

    /// <param name="input">Positioned at the compressed bytes (after the two lengths).</param>
    /// <param name="compressedLength">Compressed bytes to read.</param>
    /// <param name="rawLength">Bytes the string decompresses to.</param>
    /// <param name="pieceSize">Most bytes per piece returned.</param>
    /// <param name="offset">Where the string starts in the file, for errors.</param>
    public static IEnumerable<byte[]> Decompress(RdbInput input, long compressedLength, long rawLength, int pieceSize, string what, long offset)
    {
        if (rawLength <= 0) throw new RdbFormatException($"{what} is an LZF string with a raw length of {rawLength}", offset);
        var output = new byte[History + pieceSize + MaxTokenOutput];
        var block = new byte[InputBlock + 64];
        int op = 0, emitted = 0, blockLength = 0, ip = 0;
        long remaining = compressedLength, produced = 0;
        while (true)
        {
            // Keep what is left of the block (a token cut in two) and read the next part of the compressed bytes.
            if (remaining > 0 && blockLength - ip < 64)
            {
                var left = blockLength - ip;
                Buffer.BlockCopy(block, ip, block, 0, left);
                var take = (int)Math.Min(remaining, InputBlock);
                input.Take(take, what).CopyTo(block.AsSpan(left));
                remaining -= take;
                blockLength = left + take;
                ip = 0;
            }
            if (ip >= blockLength) break;

            if (op + MaxTokenOutput > output.Length)
            {
                if (op > emitted) yield return output.AsSpan(emitted, op - emitted).ToArray();
                // Keep the last History bytes for back references.
                var keep = Math.Min(op, History);
                Buffer.BlockCopy(output, op - keep, output, 0, keep);
                op = emitted = keep;
            }

            int ctrl = block[ip];
            if (ctrl < 32)
            {
                var literal = ctrl + 1;
                if (ip + 1 + literal > blockLength) throw Bad($"a literal run of {literal} bytes passes the end of the compressed data");
                if (produced + literal > rawLength) throw Bad($"a literal run makes the output longer than the stated {rawLength} bytes");
                Buffer.BlockCopy(block, ip + 1, output, op, literal);
                ip += 1 + literal;
                op += literal;
                produced += literal;
            }
            else
            {
                var len = ctrl >> 5;
                var tokenLength = len == 7 ? 3 : 2;
                if (ip + tokenLength > blockLength) throw Bad("a back reference is cut off at the end of the compressed data");
                var back = ((ctrl & 0x1F) << 8) + 1;
                if (len == 7)
                {
                    len += block[ip + 1];
                    back += block[ip + 2];
                }
                else
                {
                    back += block[ip + 1];
                }
                ip += tokenLength;
                len += 2;
                if (back > produced) throw Bad($"a back reference points {back} bytes back from output byte {produced}, before the start");
                if (produced + len > rawLength) throw Bad($"a back reference makes the output longer than the stated {rawLength} bytes");
                var from = op - back;
                for (var k = 0; k < len; k++) output[op + k] = output[from + k];
                op += len;
                produced += len;
            }
            if (op - emitted >= pieceSize)
            {
                yield return output.AsSpan(emitted, op - emitted).ToArray();
                emitted = op;
            }
        }
        if (produced != rawLength) throw Bad($"it decompresses to {produced} bytes, but {rawLength} were stated");
        if (op > emitted) yield return output.AsSpan(emitted, op - emitted).ToArray();

        RdbFormatException Bad(string problem) => new($"{char.ToUpperInvariant(what[0])}{what[1..]} is a corrupt LZF string: {problem}", offset);
    }
}
