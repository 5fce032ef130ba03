namespace RedisBackup.Engine.Rdb;

/// <summary>Module value type ids (the first length of a type-7 value): 9 characters of the type name and a 10-bit encoding version.</summary>
internal static class RdbModuleTypes
{
    private const string CharSet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>The 9-character type name a module registered ("ReJSON-RL", "MBbloom--"), as TYPE reports it.</summary>
    public static string NameOf(ulong moduleTypeId)
    {
        Span<char> name = stackalloc char[9];
        var bits = moduleTypeId >> 10;
        for (var i = 8; i >= 0; i--)
        {
            name[i] = CharSet[(int)(bits & 63)];
            bits >>= 6;
        }
        return new string(name);
    }

    /// <summary>The module's encoding version (the low 10 bits).</summary>
    public static int EncodingVersionOf(ulong moduleTypeId) => (int)(moduleTypeId & 1023);
}
