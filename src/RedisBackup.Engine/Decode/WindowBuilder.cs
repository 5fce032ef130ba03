using RedisBackup.Engine.Formats;
using RedisBackup.Engine.Model;

namespace RedisBackup.Engine.Decode;

/// <summary>
/// Collects the items of a decoded collection into windows (key records) of at most a number of elements and about a
/// number of bytes, so a value of any size goes out a window at a time. An element is one item (list, set), a pair
/// (hash field and value, zset member and score) or, for hashes with field TTLs, a pair with its expiry.
/// </summary>
internal sealed class WindowBuilder(string type, int maxElements, int maxBytes)
{
    private readonly RedisKeyType _kind = RedisKeyTypes.Parse(type);

    private KeyRecord _current = new() { Type = type };
    private long _bytes;
    private bool _yielded;

    /// <summary>Adds one element; returns the window when it is full (the caller yields it), else null.</summary>
    public KeyRecord? Add(byte[] item)
    {
        _current.Items.Add(item);
        _bytes += item.Length;
        return Full();
    }

    public KeyRecord? Add(byte[] first, byte[] second)
    {
        _current.Items.Add(first);
        _current.Items.Add(second);
        _bytes += first.Length + second.Length;
        return Full();
    }

    /// <summary>A hash field with its absolute expiry in Unix ms (0 for none).</summary>
    public KeyRecord? Add(byte[] field, byte[] value, long expireAtMs)
    {
        var expiry = _current.FieldExpireAt;
        if (expiry is null)
        {
            // Fields before the first one with an expiry had none.
            expiry = _current.FieldExpireAt = new List<long>(Math.Max(16, _current.Items.Count / 2 + 1));
            for (var i = 0; i < _current.Items.Count / 2; i++) expiry.Add(0);
        }
        expiry.Add(expireAtMs);
        return Add(field, value);
    }

    /// <summary>The last window; null when the last one was already returned full and nothing followed.</summary>
    public KeyRecord? Finish()
    {
        if (_yielded && _current.Items.Count == 0) return null;
        var last = _current;
        if (last.FieldExpireAt is { } expiry && !expiry.Exists(at => at != 0)) last.FieldExpireAt = null;
        return last;
    }

    private KeyRecord? Full()
    {
        var elements = _current.FieldExpireAt is not null || _kind is RedisKeyType.Hash or RedisKeyType.ZSet ? _current.Items.Count / 2 : _current.Items.Count;
        if (elements < maxElements && _bytes < maxBytes) return null;
        var full = _current;
        if (full.FieldExpireAt is { } expiry && !expiry.Exists(at => at != 0)) full.FieldExpireAt = null;
        _current = new KeyRecord { Type = type };
        _bytes = 0;
        _yielded = true;
        return full;
    }
}
