using RedisBackup.Engine.Operations;

namespace RedisBackup.PowerShell.Tests;

/// <summary>The step lists in the cmdlet help and in docs/cli.md name the engine's plan steps, with the plan's numbers.</summary>
public class PlanHelpTests
{
    private static string Help(string cmdlet)
        => string.Join("\n", RedisBackup.ModuleTools.HelpSource.Load(RedisBackup.PowerShell.Tests.Infrastructure.ModuleLayout.HelpSourceFile)
            .Commands.Single(c => c.Name == cmdlet).Description);

    private static string CliDoc() => File.ReadAllText(Path.Combine(RedisBackup.PowerShell.Tests.Infrastructure.ModuleLayout.RepoRoot, "docs", "cli.md"));

    /// <summary>Each step's number and first word ("2. Copy") appears in the text, in plan order.</summary>
    private static void AssertListed(string text, OperationPlan plan, string what)
    {
        var at = 0;
        foreach (var step in plan.Steps)
        {
            var marker = $"{step.Number}. {step.Text.Split(' ')[0]}";
            var found = text.IndexOf(marker, at, StringComparison.Ordinal);
            Assert.True(found >= 0, $"{what}: '{marker}' ({step.Text}) is not listed after position {at}");
            at = found + marker.Length;
        }
    }

    [Fact]
    public void The_help_and_the_CLI_doc_list_the_backup_plans()
    {
        using var dir = new TempDirectory();
        var keyLevel = BackupOperation.Prepare(new BackupRequest { Endpoint = new(), Directory = dir.Path, Keep = 2 });
        var container = BackupOperation.Prepare(new BackupRequest { Kind = Engine.Model.BackupKind.Snapshot, Container = "c", Directory = dir.Path, Keep = 2 });
        var replication = BackupOperation.Prepare(new BackupRequest { Kind = Engine.Model.BackupKind.Snapshot, Endpoint = new(), Directory = dir.Path, Keep = 2 });
        var help = Help("New-RedisBackup");
        var doc = CliDoc();
        foreach (var (plan, what) in new[] { (keyLevel, "key-level"), (container, "container"), (replication, "replication") })
        {
            AssertListed(help[help.IndexOf(what == "key-level" ? "A key-level backup:" : what == "container" ? "A container snapshot:" : "A snapshot over replication:", StringComparison.Ordinal)..], plan, "help " + what);
            AssertListed(doc[doc.IndexOf(what == "key-level" ? "A key-level backup:" : what == "container" ? "A container snapshot:" : "A snapshot over replication:", StringComparison.Ordinal)..], plan, "docs/cli.md " + what);
        }
    }

    [Fact]
    public void The_help_and_the_CLI_doc_list_the_restore_plans()
    {
        var file = TestData.RedisAsset("encodings.rdb");
        var live = RestoreOperation.Prepare(new RestoreRequest { Path = file, Endpoint = new() });
        var container = RestoreOperation.Prepare(new RestoreRequest { Path = file, Container = "c" });
        var help = Help("Restore-RedisBackup");
        var doc = CliDoc();
        foreach (var text in new[] { help, doc })
        {
            AssertListed(text[text.IndexOf("A live restore:", StringComparison.Ordinal)..], live, "live");
            AssertListed(text[text.IndexOf("A container restore:", StringComparison.Ordinal)..], container, "container");
        }
    }
}
