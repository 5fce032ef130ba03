namespace RedisBackup.Engine.Rdb;

/// <summary>The 9-byte RDB header: "REDIS" + 4 digits, or "VALKEY" + 3 digits.</summary>
internal static class RdbMagic
{
    public const int Length = 9;

    /// <summary>Highest Redis format version understood (Redis 7.4 – 8.x).</summary>
    public const int MaxRedisVersion = 12;

    /// <summary>Valkey 9.0 writes 80, the unstable line 81.</summary>
    public const int MinValkeyVersion = 80;
    public const int MaxValkeyVersion = 81;

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

    /// <summary>True when this reader knows the layout of <paramref name="version"/> under <paramref name="magic"/>.</summary>
    public static bool IsSupported(string magic, int version)
        => magic == "VALKEY" ? version is >= MinValkeyVersion and <= MaxValkeyVersion : version is >= 1 and <= MaxRedisVersion;

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
