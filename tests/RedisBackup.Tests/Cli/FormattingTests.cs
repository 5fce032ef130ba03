using RedisBackup.Cli.Options;
using RedisBackup.Cli.Output;

namespace RedisBackup.Tests.Cli;

public class FormattingTests
{
    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(5 * 1024 * 1024 + 1, "5.0 MiB")]
    [InlineData(300L * 1024 * 1024 * 1024, "300 GiB")]
    public void Sizes_are_human_readable(long bytes, string expected) => Assert.Equal(expected, HumanFormat.Size(bytes));

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 30 * 60)]
    [InlineData("12h", 12 * 3600)]
    [InlineData("7d", 7 * 86400)]
    [InlineData("2w", 14 * 86400)]
    [InlineData("1.5d", 36 * 3600)]
    [InlineData("1.00:00:00", 86400)]
    public void Ages_parse(string text, int seconds)
    {
        Assert.True(DurationParser.TryParse(text, out var age));
        Assert.Equal(TimeSpan.FromSeconds(seconds), age);
    }

    [Theory]
    [InlineData("")]
    [InlineData("7x")]
    [InlineData("d7")]
    [InlineData("seven days")]
    public void Bad_ages_do_not_parse(string text) => Assert.False(DurationParser.TryParse(text, out _));

    [Fact]
    public void Tables_align_columns()
    {
        var table = new TextTable(("NAME", false), ("SIZE", true), ("NOTE", false));
        table.Add("a", "1 B", "x");
        table.Add("longer-name", "10.0 KiB", "");
        using var w = new StringWriter();
        table.WriteTo(w);
        var lines = w.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("NAME             SIZE  NOTE", lines[0]);
        Assert.Equal("a                 1 B  x", lines[1]);
        Assert.Equal("longer-name  10.0 KiB  ", lines[2]);
    }
}
