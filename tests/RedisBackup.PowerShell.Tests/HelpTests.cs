using System.Text.RegularExpressions;
using System.Xml.Linq;
using RedisBackup.ModuleTools;
using RedisBackup.PowerShell.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests;

/// <summary>The MAML help in the assembled module covers every cmdlet and parameter, and names nothing that does not exist.</summary>
public sealed partial class HelpTests(SurfaceFixture fixture) : IClassFixture<SurfaceFixture>
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private static readonly string[] CommonParameters =
        ["Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable", "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable"];

    private static readonly XDocument Help = XDocument.Load(ModuleLayout.HelpXml);

    private static XElement CommandHelp(string name)
        => Help.Root!.Elements(Command + "command").Single(c => c.Element(Command + "details")!.Element(Command + "name")!.Value == name);

    private static IEnumerable<string> ExampleCode(XElement command)
        => command.Element(Command + "examples")!.Elements(Command + "example").Select(e => e.Element(Dev + "code")!.Value);

    [Fact]
    public void The_help_source_agrees_with_the_compiled_cmdlets()
        => Assert.Empty(HelpSource.Load(ModuleLayout.HelpSourceFile).Check(fixture.Surface.Cmdlets));

    [Fact]
    public void The_check_that_fails_the_build_catches_missing_and_unknown_entries()
    {
        var source = HelpSource.Load(ModuleLayout.HelpSourceFile);
        var test = source.Commands.Single(c => c.Name == "Test-RedisBackup");
        test.Parameters.Remove("Deep");
        test.Parameters["Shallow"] = "No such parameter.";
        test.Examples.RemoveRange(1, test.Examples.Count - 1);
        source.Commands.RemoveAll(c => c.Name == "Copy-RedisBackup");
        source.Commands.Single(c => c.Name == "Get-RedisBackup").Examples.Add(new ExampleHelp { Title = "bad", Code = ["Get-RedisBackup | Test-RedisBackup -Bogus"] });
        var problems = source.Check(fixture.Surface.Cmdlets);
        Assert.Contains("Test-RedisBackup: parameter -Deep has no help text.", problems);
        Assert.Contains("Test-RedisBackup: help describes -Shallow, which the cmdlet does not have.", problems);
        Assert.Contains("Test-RedisBackup: 1 example(s); at least 2 are required.", problems);
        Assert.Contains("Copy-RedisBackup: no help entry.", problems);
        Assert.Contains(problems, p => p.StartsWith("an example runs Test-RedisBackup -Bogus, which does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_cmdlet_has_synopsis_description_and_at_least_two_examples_that_run_it()
    {
        Assert.Equal(fixture.Surface.Cmdlets.Count, Help.Root!.Elements(Command + "command").Count());
        foreach (var cmdlet in fixture.Surface.Cmdlets)
        {
            var help = CommandHelp(cmdlet.Name);
            Assert.False(string.IsNullOrWhiteSpace(help.Element(Command + "details")!.Element(Maml + "description")!.Value));
            Assert.NotEmpty(help.Element(Maml + "description")!.Elements(Maml + "para"));
            var examples = ExampleCode(help).ToList();
            Assert.True(examples.Count >= 2, $"{cmdlet.Name} has {examples.Count} examples.");
            Assert.All(examples, code => Assert.Contains(cmdlet.Name, code, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Every_parameter_has_help_text_and_help_names_only_real_parameters()
    {
        foreach (var cmdlet in fixture.Surface.Cmdlets)
        {
            var help = CommandHelp(cmdlet.Name);
            var documented = help.Element(Command + "parameters")!.Elements(Command + "parameter")
                .ToDictionary(p => p.Element(Maml + "name")!.Value, p => p.Element(Maml + "description")!.Value);
            foreach (var p in cmdlet.Parameters)
                Assert.False(string.IsNullOrWhiteSpace(documented.GetValueOrDefault(p.Name)), $"{cmdlet.Name} -{p.Name} has no help text.");
            var allowed = cmdlet.Parameters.Select(p => p.Name).Concat(cmdlet.SupportsShouldProcess ? ["WhatIf", "Confirm"] : []).ToHashSet();
            Assert.Equal(allowed.Order(StringComparer.Ordinal), documented.Keys.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Syntax_has_one_entry_per_parameter_set_with_exactly_that_sets_parameters()
    {
        foreach (var cmdlet in fixture.Surface.Cmdlets)
        {
            var items = CommandHelp(cmdlet.Name).Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToList();
            Assert.Equal(cmdlet.ParameterSets.Count, items.Count);
            foreach (var (set, item) in cmdlet.ParameterSets.Zip(items))
            {
                var names = item.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value).Where(n => n is not "WhatIf" and not "Confirm");
                Assert.Equal(cmdlet.Parameters.Where(p => p.InSet(set)).Select(p => p.Name).Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
                foreach (var p in item.Elements(Command + "parameter").Where(p => p.Element(Maml + "name")!.Value is not "WhatIf" and not "Confirm"))
                {
                    var model = cmdlet.Parameter(p.Element(Maml + "name")!.Value)!.EntryFor(set)!;
                    Assert.Equal(model.Mandatory ? "true" : "false", p.Attribute("required")!.Value);
                }
            }
        }
    }

    [Fact]
    public void Examples_use_only_parameters_the_cmdlets_have()
    {
        foreach (var cmdlet in fixture.Surface.Cmdlets)
            foreach (var code in Help.Root!.Descendants(Dev + "code").Select(c => c.Value))
                foreach (Match use in Regex.Matches(code, Regex.Escape(cmdlet.Name) + @"(?![\w-])(?<args>[^|'""();}\n]*)"))
                    foreach (Match parameter in ParameterToken().Matches(use.Groups["args"].Value))
                    {
                        var name = parameter.Groups[1].Value;
                        var known = cmdlet.Parameters.Any(p => p.Aliases.Prepend(p.Name).Contains(name, StringComparer.OrdinalIgnoreCase))
                            || CommonParameters.Contains(name, StringComparer.OrdinalIgnoreCase)
                            || (cmdlet.SupportsShouldProcess && name is "WhatIf" or "Confirm");
                        Assert.True(known, $"An example runs {cmdlet.Name} -{name}, which does not exist: {code}");
                    }
    }

    [Theory]
    [InlineData("New-RedisBackup", "30 2 * * *")]                                          // cron
    [InlineData("New-RedisBackup", "Register-ScheduledTask")]                              // Task Scheduler
    [InlineData("New-RedisBackup", "-Keep")]                                               // retention
    [InlineData("Restore-RedisBackup", "Select-Object -Last 1 | Restore-RedisBackup")]     // restore the latest
    [InlineData("Get-RedisBackup", "Select-Object -Last 1 | Restore-RedisBackup")]
    [InlineData("Restore-RedisBackup", "New-RedisBackup -HostName old-cache")]             // migrate to a new server
    [InlineData("Test-RedisBackup", "Get-RedisBackup | Test-RedisBackup")]                 // verify regularly
    [InlineData("Restore-RedisBackup", "Get-ChildItem")]
    public void The_seed_workflows_have_examples(string cmdlet, string text)
        => Assert.Contains(ExampleCode(CommandHelp(cmdlet)), code => code.Contains(text, StringComparison.Ordinal));

    [Fact]
    public void Input_and_output_types_come_from_the_code()
    {
        foreach (var cmdlet in fixture.Surface.Cmdlets)
        {
            var returns = CommandHelp(cmdlet.Name).Element(Command + "returnValues")!.Elements(Command + "returnValue")
                .Select(r => r.Element(Dev + "type")!.Element(Maml + "name")!.Value);
            Assert.Equal(cmdlet.OutputTypes.Select(t => t.FullName!), returns);
        }
        var restoreInputs = CommandHelp("Restore-RedisBackup").Element(Command + "inputTypes")!.Descendants(Maml + "name").Select(n => n.Value);
        Assert.Contains("RedisBackup.PowerShell.BackupRecord", restoreInputs);
    }

    [GeneratedRegex(@"(?<![\w-])-([A-Za-z]\w*)")]
    private static partial Regex ParameterToken();
}
