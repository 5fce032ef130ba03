using RedisBackup.Cli;
using RedisBackup.Engine.Operations;
using RedisBackup.Tests.Infrastructure;

namespace RedisBackup.Tests.Cli;

/// <summary>
/// Every field of the engine's requests is reachable from the CLI: the map (<see cref="RequestFieldMap"/>) names every
/// public settable field, and each option it names really sets its field when parsed. The cmdlets' half of the map is
/// checked in RedisBackup.PowerShell.Tests (FrontParityTests there).
/// </summary>
public class FrontParityTests
{
    [Fact]
    public void The_map_names_every_request_field()
    {
        var missing = RequestFieldMap.AllFields().Except(RequestFieldMap.Mapped()).ToList();
        Assert.True(missing.Count == 0, "Request fields no front maps: " + string.Join(", ", missing));
        var stale = RequestFieldMap.Mapped().Except(RequestFieldMap.AllFields()).ToList();
        Assert.True(stale.Count == 0, "Mapped fields that no longer exist: " + string.Join(", ", stale));
    }

    private static System.CommandLine.ParseResult Parse(CliApp app, string[] args)
    {
        var result = app.Parse(args);
        Assert.True(result.Errors.Count == 0, string.Join(" ", args) + ": " + string.Join("; ", result.Errors.Select(e => e.Message)));
        return result;
    }

    [Fact]
    public void Each_backup_field_is_set_by_its_CLI_option()
    {
        foreach (var entry in RequestFieldMap.Backup)
        {
            var app = new CliApp(new CliRun().CreateHost(new StringWriter(), new StringWriter()));
            var request = app.Backup.ToRequest(Parse(app, ["backup", .. entry.CliArgs]), []);
            Assert.True(entry.IsSet(request), $"{entry.Field}: backup {string.Join(' ', entry.CliArgs)} did not set it");
        }
    }

    [Fact]
    public void Each_restore_field_is_set_by_its_CLI_option()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("x.rdb");
        File.WriteAllText(file, "x");
        foreach (var entry in RequestFieldMap.Restore)
        {
            var app = new CliApp(new CliRun().CreateHost(new StringWriter(), new StringWriter()));
            var request = app.Restore.ToRequest(Parse(app, ["restore", file, .. entry.CliArgs]), []);
            Assert.True(entry.IsSet(request), $"{entry.Field}: restore {string.Join(' ', entry.CliArgs)} did not set it");
        }
    }

    [Fact]
    public void Each_endpoint_field_is_set_by_its_CLI_option_on_backup_and_restore()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("x.rdb");
        File.WriteAllText(file, "x");
        foreach (var entry in RequestFieldMap.Endpoint)
        {
            var app = new CliApp(new CliRun().CreateHost(new StringWriter(), new StringWriter()));
            var backup = app.Backup.ToRequest(Parse(app, ["backup", .. entry.CliArgs]), []);
            Assert.True(entry.IsSet(backup.Endpoint!), $"{entry.Field}: backup {string.Join(' ', entry.CliArgs)} did not set it");
            var restore = app.Restore.ToRequest(Parse(app, ["restore", file, .. entry.CliArgs]), []);
            Assert.True(entry.IsSet(restore.Endpoint!), $"{entry.Field}: restore {string.Join(' ', entry.CliArgs)} did not set it");
        }
    }
}
