using System.Text;

namespace RedisBackup.Cli.Output;

/// <summary>A plain-text table: a header row and left-aligned (or right-aligned) columns separated by two spaces.</summary>
internal sealed class TextTable
{
    private readonly string[] _headers;
    private readonly bool[] _rightAligned;
    private readonly List<string[]> _rows = [];

    public TextTable(params (string Header, bool RightAligned)[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _headers = columns.Select(c => c.Header).ToArray();
        _rightAligned = columns.Select(c => c.RightAligned).ToArray();
    }

    public void Add(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != _headers.Length) throw new ArgumentException($"Expected {_headers.Length} cells, got {cells.Length}.", nameof(cells));
        _rows.Add(cells);
    }

    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var widths = new int[_headers.Length];
        foreach (var row in _rows.Prepend(_headers))
            for (var i = 0; i < row.Length; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        foreach (var row in _rows.Prepend(_headers))
        {
            var line = new StringBuilder();
            for (var i = 0; i < row.Length; i++)
            {
                if (i > 0) line.Append("  ");
                var last = i == row.Length - 1;
                line.Append(_rightAligned[i] ? row[i].PadLeft(widths[i]) : last ? row[i] : row[i].PadRight(widths[i]));
            }
            writer.WriteLine(line.ToString());
        }
    }
}
