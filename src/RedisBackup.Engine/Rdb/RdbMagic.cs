namespace RedisBackup.Engine.Rdb;

/// <summary>The 9-byte RDB header: "REDIS" + 4 digits, or "VALKEY" + 3 digits.</summary>
internal static class RdbMagic
{
    public const int Length = 9;

    /// <summary>Parses the header; false when it is not an RDB magic at all.</summary>
    public static bool TryParse(ReadOnlySpan<byte> header, out string magic, out int version)
    {
        magic = "";
        version = 0;
        if (header.Length < Length) return false;
        if (header.StartsWith("REDIS"u8) && Digits(header[5..9], out version))
        {
            magic = "REDIS";
            return true;
        }
        if (header.StartsWith("VALKEY"u8) && Digits(header[6..9], out version))
        {
            magic = "VALKEY";
            return true;
        }
        return false;
    }

    /// <summary>
    /// Null when <paramref name="version"/> is a valid version for <paramref name="magic"/>, whether or not this reader knows
    /// it; otherwise why it is not (Valkey writes the VALKEY magic only for versions 80 and above; version 0 does not exist).
    /// </summary>
    public static string? Invalid(string magic, int version) => magic == "VALKEY"
        ? version < RdbFormatCatalog.MinValkeyVersion ? $"Valkey writes the VALKEY magic only for format versions {RdbFormatCatalog.MinValkeyVersion} and above, not {version}" : null
        : version < 1 ? "there is no RDB format version 0" : null;

    /// <summary>Printable form of a header for error messages.</summary>
    public static string Describe(ReadOnlySpan<byte> header)
    {
        var chars = new char[header.Length];
        for (var i = 0; i < header.Length; i++) chars[i] = header[i] is >= 0x20 and < 0x7F ? (char)header[i] : '.';
        return new string(chars);
    }

    private static bool Digits(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        foreach (var d in digits)
        {
            if (d is < (byte)'0' or > (byte)'9') return false;
            value = (value * 10) + (d - '0');
        }
        return true;
    }
}
