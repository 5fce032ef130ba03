using System.Buffers.Binary;
using System.Globalization;

namespace RedisBackup.Testing;

/// <summary>
/// The benchmark's deterministic dataset, written as RESP commands for `redis-cli --pipe`.
/// Database 0: <see cref="MixedKeys"/> keys of every plain type (40% strings, 15% each hashes, lists, sets, zsets),
/// 0.1% of the collections large enough to leave the compact encodings, 20% with a TTL of 1–2 days.
/// Database 1: <see cref="VectorKeys"/> hashes, each with a 2 KB float32 embedding (512 random floats: arbitrary bytes,
/// invalid UTF-8 included), an id and a model name.
/// The same seed always gives the same commands.
/// </summary>
internal sealed class DatasetGenerator
{
    public const int VectorDimensions = 512;
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    private const long MinTtlMs = 86_400_000;

    private readonly Random _random;
    private readonly byte[] _text = new byte[256];

    public DatasetGenerator(int mixedKeys, int vectorKeys, int seed)
    {
        MixedKeys = mixedKeys;
        VectorKeys = vectorKeys;
        _random = new Random(seed);
    }

    public int MixedKeys { get; }
    public int VectorKeys { get; }

    /// <summary>Keys given a TTL (known after <see cref="Write"/>).</summary>
    public long KeysWithTtl { get; private set; }

    /// <summary>Writes every command; returns the number of commands (one reply each).</summary>
    public long Write(Stream output)
    {
        var resp = new RespEncoder(output);
        resp.Command("SELECT", "0");
        for (var i = 0; i < MixedKeys; i++) WriteMixedKey(resp, i);
        if (VectorKeys > 0)
        {
            resp.Command("SELECT", "1");
            var vector = new byte[VectorDimensions * sizeof(float)];
            for (var i = 0; i < VectorKeys; i++) WriteVectorKey(resp, i, vector);
        }
        return resp.Commands;
    }

    private void WriteMixedKey(RespEncoder resp, int i)
    {
        var pick = _random.NextDouble();
        var big = _random.Next(1000) == 0;
        var id = i.ToString("D8", CultureInfo.InvariantCulture);
        string key;
        if (pick < 0.40)
        {
            key = "str:" + id;
            resp.Begin(3);
            resp.Arg("SET");
            resp.Arg(key);
            if (_random.Next(10) == 0) resp.Arg(_random.NextInt64(-1_000_000_000, 1_000_000_000));
            else resp.Arg(RandomText(8, 200));
        }
        else if (pick < 0.55)
        {
            key = "hash:" + id;
            var fields = big ? _random.Next(200, 1000) : _random.Next(3, 17);
            resp.Begin(2 + 2 * fields);
            resp.Arg("HSET");
            resp.Arg(key);
            for (var f = 0; f < fields; f++)
            {
                resp.Arg("field:" + f.ToString(CultureInfo.InvariantCulture));
                resp.Arg(RandomText(4, 40));
            }
        }
        else if (pick < 0.70)
        {
            key = "list:" + id;
            var items = big ? _random.Next(200, 1000) : _random.Next(3, 21);
            resp.Begin(2 + items);
            resp.Arg("RPUSH");
            resp.Arg(key);
            for (var n = 0; n < items; n++) resp.Arg(RandomText(4, 40));
        }
        else if (pick < 0.85)
        {
            key = "set:" + id;
            var members = big ? _random.Next(200, 1000) : _random.Next(3, 21);
            var integers = _random.Next(2) == 0;
            resp.Begin(2 + members);
            resp.Arg("SADD");
            resp.Arg(key);
            for (var n = 0; n < members; n++)
            {
                if (integers) resp.Arg(_random.NextInt64(0, 1_000_000));
                else resp.Arg(RandomText(4, 24));
            }
        }
        else
        {
            key = "zset:" + id;
            var members = big ? _random.Next(200, 1000) : _random.Next(3, 21);
            resp.Begin(2 + 2 * members);
            resp.Arg("ZADD");
            resp.Arg(key);
            for (var n = 0; n < members; n++)
            {
                // Integer scores and full-precision doubles, so the text form of a score matters.
                resp.Arg(_random.Next(3) == 0
                    ? _random.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture)
                    : (_random.NextDouble() * 2000 - 1000).ToString("R", CultureInfo.InvariantCulture));
                resp.Arg("m" + n.ToString(CultureInfo.InvariantCulture) + ":" + _random.Next(1_000_000).ToString(CultureInfo.InvariantCulture));
            }
        }

        if (_random.Next(5) == 0)
        {
            KeysWithTtl++;
            resp.Begin(3);
            resp.Arg("PEXPIRE");
            resp.Arg(key);
            resp.Arg(MinTtlMs + _random.NextInt64(MinTtlMs));
        }
    }

    private void WriteVectorKey(RespEncoder resp, int i, byte[] vector)
    {
        for (var d = 0; d < VectorDimensions; d++)
            BinaryPrimitives.WriteSingleLittleEndian(vector.AsSpan(d * sizeof(float)), (_random.NextSingle() * 2) - 1);
        resp.Begin(8);
        resp.Arg("HSET");
        resp.Arg("vec:" + i.ToString("D6", CultureInfo.InvariantCulture));
        resp.Arg("embedding");
        resp.Arg(vector);
        resp.Arg("id");
        resp.Arg(i);
        resp.Arg("model");
        resp.Arg("bench-embed-v1");
    }

    private ReadOnlySpan<byte> RandomText(int minLength, int maxLength)
    {
        var length = _random.Next(minLength, maxLength + 1);
        for (var n = 0; n < length; n++) _text[n] = (byte)Alphabet[_random.Next(Alphabet.Length)];
        return _text.AsSpan(0, length);
    }
}
