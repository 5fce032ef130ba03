using System.Text;
using RedisBackup.Engine.Formats;
using RedisBackup.Engine.IO;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Rdb;

namespace RedisBackup.Engine.Decode;

/// <summary>
/// Reads what a backup holds without restoring it, in one streaming pass and bounded memory (a count per database and
/// type, and the biggest keys in a heap of fixed size): an RDB file key by key without reading its values (each value is
/// walked past, so its size is known), a key-level backup record by record.
/// </summary>
internal sealed class BackupContentReader(int top)
{
    private readonly Dictionary<int, (long Keys, long Ttl, Dictionary<string, long> Types)> _dbs = [];
    private readonly PriorityQueue<KeySize, long> _biggest = new();
    private readonly Dictionary<string, long> _modules = new(StringComparer.Ordinal);
    private long _keys, _ttl;

    public async Task<BackupContent> ReadRdbAsync(Stream rdb, string name, string path, CancellationToken ct)
    {
        var reader = RdbReader.WithLazyValues(rdb);
        while (await reader.ReadNextAsync(ct).ConfigureAwait(false) is { } entry)
        {
            if (entry.Kind != RdbEntryKind.Key) continue;
            var type = RdbFormatCatalog.LogicalType(entry.Family, entry.Type);
            if (type == "module" && reader.PeekModuleTypeId() is { } id) type = RdbModuleTypes.NameOf(id);
            Add(entry.Database, entry.Key, type, reader.SkipValue(), entry.ExpireAtMs is not null);
        }
        var summary = reader.Summary;
        return Result(name, path) with
        {
            Format = Model.BackupFormat.Rdb,
            ServerVersion = summary.RedisVersion,
            ServerName = summary.Magic == "VALKEY" || summary.Aux.ContainsKey("valkey-ver") ? "Valkey" : summary.Aux.ContainsKey("redis-ver") ? "Redis" : null,
            RdbMagic = summary.Magic,
            RdbVersion = summary.Version,
            CreatedAt = summary.CreatedAt,
            Bytes = summary.Bytes,
            Functions = reader.FunctionLibraries.Select(LibraryName).ToList(),
            ModuleAuxRecords = summary.ModuleAuxRecords,
            KeysWithMetadata = summary.KeysWithMetadata,
            InlineCommands = summary.InlineCommands,
            Note = summary.IsComplete ? null : $"read up to byte {summary.Unchecked!.Offset} of {summary.Bytes}: {summary.Unchecked.Reason}; the keys after it are not counted",
        };
    }

    public async Task<BackupContent> ReadKeyFileAsync(Stream file, string name, string path, CancellationToken ct)
    {
        var reader = await KeyFileReader.OpenAsync(new NonClosingStream(file), ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            KeyRecord? first = null;
            long size = 0;
            while (await reader.ReadNextAsync(ct).ConfigureAwait(false) is { } record)
            {
                if (record.IsFirst)
                {
                    first = record;
                    size = 0;
                }
                size += record.Dump is { } dump ? Math.Max(0, dump.Length - 1 - DumpPayload.FooterLength)
                    : record.Stream is { } part ? part.Bytes
                    : record.Items.Sum(i => (long)i.Length);
                if (!record.IsLast) continue;
                Add(first!.Database, first.Key, first.Type, size, first.ExpireAtMs is not null);
            }
            return Result(name, path) with
            {
                Format = reader.IsSeedFormat ? Model.BackupFormat.SeedJson : Model.BackupFormat.KeysJsonl,
                Exact = reader.Header?.Exact ?? false,
                ServerVersion = reader.Header?.ServerVersion,
                CreatedAt = reader.CreatedAt,
                Bytes = file.CanSeek ? file.Length : 0,
                FieldTtls = reader.FieldTtls,
                Functions = reader.Functions?.Names ?? [],
            };
        }
    }

    private void Add(int db, byte[] key, string type, long bytes, bool hasTtl)
    {
        _keys++;
        if (hasTtl) _ttl++;
        if (!_dbs.TryGetValue(db, out var d)) d = (0, 0, new Dictionary<string, long>(StringComparer.Ordinal));
        d.Types[type] = d.Types.GetValueOrDefault(type) + 1;
        _dbs[db] = (d.Keys + 1, d.Ttl + (hasTtl ? 1 : 0), d.Types);
        if (!RedisKeyTypes.Parse(type).IsBuiltIn() && type is not "array") _modules[type] = _modules.GetValueOrDefault(type) + 1;
        if (top <= 0) return;
        if (_biggest.Count < top) _biggest.Enqueue(Size(), bytes);
        else if (_biggest.TryPeek(out _, out var smallest) && bytes > smallest) _biggest.EnqueueDequeue(Size(), bytes);

        KeySize Size() => new() { Database = db, Key = Describe(key), Type = type, Bytes = bytes, HasTtl = hasTtl };
    }

    private BackupContent Result(string name, string path)
    {
        var biggest = new List<KeySize>(_biggest.Count);
        while (_biggest.TryDequeue(out var key, out _)) biggest.Add(key);
        biggest.Reverse();
        return new BackupContent
        {
            Name = name,
            Path = path,
            Keys = _keys,
            KeysWithTtl = _ttl,
            Databases = _dbs.OrderBy(p => p.Key).Select(p => new DatabaseContent
            {
                Database = p.Key,
                Keys = p.Value.Keys,
                KeysWithTtl = p.Value.Ttl,
                Types = new SortedDictionary<string, long>(p.Value.Types, StringComparer.Ordinal),
            }).ToList(),
            BiggestKeys = biggest,
            ModuleTypes = new SortedDictionary<string, long>(_modules, StringComparer.Ordinal),
        };
    }

    /// <summary>A library's name from its first line, "#!lua name=mylib" (as FUNCTION LOAD requires it).</summary>
    internal static string LibraryName(byte[] code)
    {
        var end = Array.IndexOf(code, (byte)'\n');
        var line = Encoding.UTF8.GetString(code, 0, end < 0 ? Math.Min(code.Length, 256) : Math.Min(end, 256));
        foreach (var part in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (part.StartsWith("name=", StringComparison.Ordinal)) return part[5..];
        return "(unnamed)";
    }

    private static string Describe(byte[] key) => System.Text.Unicode.Utf8.IsValid(key) ? Encoding.UTF8.GetString(key) : "base64:" + Convert.ToBase64String(key);
}
