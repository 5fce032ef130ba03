using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Engine.Catalog;

internal sealed record JournalEntry(DateTimeOffset At, string Operation, string? Source, string ErrorId, string Message)
{
    /// <summary>Orders entries: the newest has the highest number. 0 for lines written before the journal had slots.</summary>
    public long Seq { get; init; }

    /// <summary>What the operation acted on besides its source: a restore's target server or container.</summary>
    public string? Target { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JournalEntry))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;

/// <summary>
/// The catalog's journal of failed attempts (backups, restores, runs skipped because the catalog was locked,
/// cancellations), so cron users can see what failed. It must work when the disk is full, since a full disk is one of
/// the failures it records: the file is preallocated once, at the start of a backup run, as <see cref="Slots"/> fixed
/// slots of <see cref="SlotBytes"/> bytes, and a failure overwrites the oldest slot in place, which needs no new space.
/// Each slot is one line: a JSON object padded with spaces, so the file stays JSON Lines (blank lines are empty slots).
/// Opened as <see cref="OwnedFile"/> describes. Writing never throws: it returns why it could not write, and the
/// operation then says so in its error.
/// </summary>
internal static class FailureJournal
{
    public const int Slots = 100;
    public const int SlotBytes = 2048;
    public const int FileBytes = Slots * SlotBytes;
    private const string What = "The catalog's journal";

    /// <summary>Creates the preallocated journal when it is missing. Throws only for a journal that is not safe to use (a link, a FIFO, another user's file).</summary>
    public static void Prepare(string directory)
    {
        var path = Path.Combine(directory, BackupNaming.JournalFileName);
        FileStream? stream;
        try
        {
            stream = Open(path);
        }
        catch (IOException)
        {
            return; // no room to create it now: Append reports the failure when one has to be recorded
        }
        if (stream is null) return;
        using (stream)
        {
            try
            {
                if (stream.Length == 0) WriteWhole(stream, []);
            }
            catch (IOException)
            {
                TryTruncateEmpty(stream);
            }
        }
    }

    /// <summary>Records a failed attempt. Returns null when it was recorded, else why it was not (never throws).</summary>
    public static string? Append(string directory, string operation, string? source, string? target, Exception error, DateTimeOffset at)
    {
        try
        {
            CatalogDirectory.Prepare(directory);
            var path = Path.Combine(directory, BackupNaming.JournalFileName);
            using var stream = Open(path);
            if (stream is null) return $"{What} {path} is busy (another process kept it locked)";
            var entry = new JournalEntry(at, operation, source, ErrorIdOf(error), MessageOf(error)) { Target = target };
            var content = ReadAll(stream);
            if (content.Length == 0)
            {
                try
                {
                    WriteWhole(stream, [entry with { Seq = 1 }]);
                }
                catch (IOException)
                {
                    // No room for the slots: one plain line may still fit.
                    TryTruncateEmpty(stream);
                    AppendLine(stream, entry);
                }
                return null;
            }
            if (IsSlotted(content))
            {
                var slots = ParseSlots(content);
                var (slot, seq) = (0, 1L);
                for (var i = 0; i < Slots; i++)
                {
                    if (slots[i] is { } e && e.Seq >= seq) (slot, seq) = ((i + 1) % Slots, e.Seq + 1);
                }
                stream.Position = (long)slot * SlotBytes;
                stream.Write(SlotOf(entry with { Seq = seq }));
                stream.Flush(flushToDisk: true);
                return null;
            }
            // A journal written before it had slots: convert it (this needs room once), keeping its newest entries.
            var old = ParseLines(content).ToList();
            var kept = old.TakeLast(Slots - 1).Select((e, i) => e with { Seq = i + 1 }).ToList();
            kept.Add(entry with { Seq = kept.Count + 1 });
            try
            {
                AtomicFile.WriteAllBytes(path, Layout(kept));
            }
            catch (IOException)
            {
                AppendLine(stream, entry);
            }
            return null;
        }
        catch (RedisBackupException ex)
        {
            return ex.Message.TrimEnd('.');
        }
#pragma warning disable CA1031 // The journal is best effort by contract: a failure to record a failure must not hide the original error.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ex.Message.TrimEnd('.');
        }
    }

    /// <summary>The recorded attempts, newest first.</summary>
    public static IReadOnlyList<FailedAttempt> Recent(string directory, int count = Slots)
    {
        var path = Path.Combine(directory, BackupNaming.JournalFileName);
        try
        {
            using var stream = OwnedFile.TryOpenRead(path);
            if (stream is null || stream.Length > 4L * FileBytes) return [];
            var content = ReadAll(stream);
            var entries = IsSlotted(content)
                ? ParseSlots(content).Where(e => e is not null).Select(e => e!)
                : ParseLines(content);
            return entries.Select((e, i) => (Entry: e, Position: i))
                .OrderByDescending(x => x.Entry.Seq).ThenByDescending(x => x.Position)
                .Take(count)
                .Select(x => new FailedAttempt(x.Entry.At, x.Entry.Operation, x.Entry.Source, x.Entry.ErrorId, x.Entry.Message) { Target = x.Entry.Target })
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The newest readable entry, or null.</summary>
    public static FailedAttempt? Last(string directory)
    {
        var recent = Recent(directory, 1);
        return recent.Count > 0 ? recent[0] : null;
    }

    /// <summary>A stable id for any failure: the engine's own id, "Cancelled" for a cancellation, else the exception's type name.</summary>
    public static string ErrorIdOf(Exception error) => error switch
    {
        RedisBackupException rbe => rbe.ErrorId,
        OperationCanceledException => ErrorIds.Cancelled,
        _ => error.GetType().Name,
    };

    private static string MessageOf(Exception error) => error is OperationCanceledException
        ? "Cancelled (Ctrl+C, SIGTERM or a stopped pipeline) before it finished."
        : error.Message.ReplaceLineEndings(" ");

    private static FileStream? Open(string path)
    {
        // Writers take the journal's own lock for the few milliseconds of a write; a run skipped because the catalog is
        // locked writes here too, without the catalog lock.
        for (var attempt = 0; ; attempt++)
        {
            var opened = OwnedFile.Open(path, create: true, exclusive: true, What);
            if (!opened.Busy) return opened.Stream;
            if (attempt >= 40) return null;
            Thread.Sleep(25);
        }
    }

    private static byte[] ReadAll(FileStream stream)
    {
        var length = (int)Math.Min(stream.Length, 4L * FileBytes);
        var buffer = new byte[length];
        stream.Position = 0;
        stream.ReadExactly(buffer);
        return buffer;
    }

    private static bool IsSlotted(byte[] content)
    {
        if (content.Length != FileBytes) return false;
        for (var i = SlotBytes - 1; i < content.Length; i += SlotBytes)
            if (content[i] != (byte)'\n') return false;
        return true;
    }

    private static JournalEntry?[] ParseSlots(byte[] content)
    {
        var slots = new JournalEntry?[Slots];
        for (var i = 0; i < Slots; i++)
            slots[i] = TryParse(content.AsSpan(i * SlotBytes, SlotBytes));
        return slots;
    }

    private static IEnumerable<JournalEntry> ParseLines(byte[] content)
    {
        var start = 0;
        while (start < content.Length)
        {
            var end = Array.IndexOf(content, (byte)'\n', start);
            if (end < 0) end = content.Length;
            if (TryParse(content.AsSpan(start, end - start)) is { } entry) yield return entry;
            start = end + 1;
        }
    }

    private static JournalEntry? TryParse(ReadOnlySpan<byte> line)
    {
        line = line.Trim(" \t\r\n"u8);
        if (line.IsEmpty) return null;
        try
        {
            return JsonSerializer.Deserialize(line, JournalJsonContext.Default.JournalEntry);
        }
        catch (JsonException)
        {
            return null; // a line cut by a crash
        }
    }

    private static string Serialize(JournalEntry entry) => JsonSerializer.Serialize(entry, JournalJsonContext.Default.JournalEntry);

    /// <summary>One slot: the entry's JSON, its message shortened if it would not fit, padded with spaces, ending in a newline.</summary>
    private static byte[] SlotOf(JournalEntry entry)
    {
        var json = Encoding.UTF8.GetBytes(Serialize(entry));
        var message = entry.Message;
        while (json.Length > SlotBytes - 1 && message.Length > 0)
        {
            message = message[..Math.Max(0, message.Length - Math.Max(16, (json.Length - SlotBytes + 1) / 2))];
            json = Encoding.UTF8.GetBytes(Serialize(entry with { Message = message + "…" }));
        }
        var slot = new byte[SlotBytes];
        slot.AsSpan().Fill((byte)' ');
        json.AsSpan(0, Math.Min(json.Length, SlotBytes - 1)).CopyTo(slot);
        slot[^1] = (byte)'\n';
        return slot;
    }

    private static byte[] Layout(IReadOnlyList<JournalEntry> entries)
    {
        var content = new byte[FileBytes];
        for (var i = 0; i < Slots; i++)
        {
            var slot = i < entries.Count ? SlotOf(entries[i]) : EmptySlot();
            slot.CopyTo(content, i * SlotBytes);
        }
        return content;
    }

    private static byte[] EmptySlot()
    {
        var slot = new byte[SlotBytes];
        slot.AsSpan().Fill((byte)' ');
        slot[^1] = (byte)'\n';
        return slot;
    }

    private static void WriteWhole(FileStream stream, IReadOnlyList<JournalEntry> entries)
    {
        stream.Position = 0;
        stream.Write(Layout(entries));
        stream.Flush(flushToDisk: true);
    }

    private static void AppendLine(FileStream stream, JournalEntry entry)
    {
        stream.Seek(0, SeekOrigin.End);
        stream.Write(Encoding.UTF8.GetBytes(Serialize(entry) + "\n"));
        stream.Flush(flushToDisk: true);
    }

    private static void TryTruncateEmpty(FileStream stream)
    {
        try { stream.SetLength(0); } catch (IOException) { }
    }
}
