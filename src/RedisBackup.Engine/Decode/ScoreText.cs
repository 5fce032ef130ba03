using System.Globalization;
using System.Text;

namespace RedisBackup.Engine.Decode;

/// <summary>
/// The text a sorted-set score is written with, for ZADD: the shortest decimal form that reads back to the same double
/// ("0.1", "1E+308", "5E-324", "-0"), and "inf" / "-inf" for the infinities. Redis parses it with strtod, which gives
/// exactly the double the file held, so scores round trip bit for bit.
/// </summary>
internal static class ScoreText
{
    private static readonly byte[] PositiveInfinity = "inf"u8.ToArray();
    private static readonly byte[] NegativeInfinity = "-inf"u8.ToArray();
    private static readonly byte[] NotANumber = "nan"u8.ToArray();

    public static byte[] Format(double score)
    {
        if (double.IsPositiveInfinity(score)) return PositiveInfinity;
        if (double.IsNegativeInfinity(score)) return NegativeInfinity;
        if (double.IsNaN(score)) return NotANumber; // Redis never stores one; ZADD refuses it and the key is reported
        return Encoding.ASCII.GetBytes(score.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>A type-3 (text) score's special length bytes: 253 nan, 254 +inf, 255 -inf.</summary>
    public static byte[] Special(byte code) => code switch
    {
        253 => NotANumber,
        254 => PositiveInfinity,
        _ => NegativeInfinity,
    };
}
