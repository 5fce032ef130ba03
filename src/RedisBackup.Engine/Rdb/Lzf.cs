namespace RedisBackup.Engine.Rdb;

/// <summary>LZF decompression as Redis's lzf_d.c does it, with every bound checked.</summary>
internal static class Lzf
{
    /// <summary>
    /// Decompresses <paramref name="input"/> into <paramref name="output"/>, which must be exactly the expected raw length.
    /// Returns null on success, or a description of what is wrong with the compressed data.
    /// </summary>
    public static string? TryDecompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var ip = 0;
        var op = 0;
        while (ip < input.Length)
        {
            int ctrl = input[ip++];
            if (ctrl < 32)
            {
                var literal = ctrl + 1;
                if (ip + literal > input.Length) return $"a literal run of {literal} bytes at compressed byte {ip - 1} passes the end of the input";
                if (op + literal > output.Length) return $"a literal run of {literal} bytes makes the output longer than the stated {output.Length} bytes";
                input.Slice(ip, literal).CopyTo(output[op..]);
                ip += literal;
                op += literal;
                continue;
            }

            var len = ctrl >> 5;
            var back = (ctrl & 0x1F) << 8;
            if (len == 7)
            {
                if (ip >= input.Length) return "a back reference's length byte is missing at the end of the input";
                len += input[ip++];
            }
            if (ip >= input.Length) return "a back reference's offset byte is missing at the end of the input";
            back += input[ip++] + 1;
            len += 2;
            var from = op - back;
            if (from < 0) return $"a back reference points {back} bytes back from output byte {op}, before the start";
            if (op + len > output.Length) return $"a back reference of {len} bytes makes the output longer than the stated {output.Length} bytes";
            if (back >= len)
            {
                output.Slice(from, len).CopyTo(output[op..]);
                op += len;
            }
            else
            {
                for (var k = 0; k < len; k++) output[op++] = output[from + k];
            }
        }
        return op == output.Length ? null : $"it decompresses to {op} bytes, but {output.Length} were stated";
    }
}
