using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;

namespace RedisBackup.ModuleTools;

/// <summary>The structured help source (module/help/RedisBackup.help.json).</summary>
public sealed partial class HelpSource
{
    /// <summary>Descriptions of parameters that several cmdlets share (the connection parameters), by name.</summary>
    [JsonPropertyName("sharedParameters")]
    public Dictionary<string, string> SharedParameters { get; init; } = [];

    /// <summary>Default values of shared parameters as help shows them, by name (a cmdlet's own entry wins).</summary>
    [JsonPropertyName("sharedDefaults")]
    public Dictionary<string, string> SharedDefaults { get; init; } = [];

    [JsonPropertyName("commands")]
    public List<CommandHelp> Commands { get; init; } = [];

    private static readonly JsonSerializerOptions Options = new()
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static HelpSource Load(string path)
    {
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<HelpSource>(stream, Options) ?? throw new InvalidDataException($"{path} is empty.");
    }

    /// <summary>The description of a parameter: the cmdlet's own text, else the shared one, else null.</summary>
    public static string? DescribeParameter(HelpSource source, CommandHelp command, string parameter)
        => command.Parameters.TryGetValue(parameter, out var own) ? own
            : source.SharedParameters.TryGetValue(parameter, out var shared) ? shared : null;

    /// <summary>The default value help shows for a parameter: the cmdlet's own entry, else the shared one, else null (none).</summary>
    public static string? DefaultOf(HelpSource source, CommandHelp command, string parameter)
        => command.Defaults.TryGetValue(parameter, out var own) ? own
            : source.SharedDefaults.TryGetValue(parameter, out var shared) ? shared : null;

    /// <summary>Every disagreement between the help source and the compiled cmdlets; empty when they agree.</summary>
    public IReadOnlyList<string> Check(IReadOnlyList<CmdletModel> cmdlets)
    {
        var problems = new List<string>();
        foreach (var cmdlet in cmdlets)
        {
            var help = Commands.FirstOrDefault(c => c.Name == cmdlet.Name);
            if (help is null)
            {
                problems.Add($"{cmdlet.Name}: no help entry.");
                continue;
            }
            if (string.IsNullOrWhiteSpace(help.Synopsis)) problems.Add($"{cmdlet.Name}: no synopsis.");
            if (help.Description.Count == 0) problems.Add($"{cmdlet.Name}: no description.");
            if (help.Examples.Count < 2) problems.Add($"{cmdlet.Name}: {help.Examples.Count} example(s); at least 2 are required.");
            foreach (var example in help.Examples.Where(e => e.Code.Count == 0 || !e.Code.Any(line => line.Contains(cmdlet.Name, StringComparison.Ordinal))))
                problems.Add($"{cmdlet.Name}: example '{example.Title}' does not run {cmdlet.Name}.");
            foreach (var parameter in cmdlet.Parameters.Where(p => string.IsNullOrWhiteSpace(DescribeParameter(this, help, p.Name))))
                problems.Add($"{cmdlet.Name}: parameter -{parameter.Name} has no help text.");
            foreach (var name in help.Parameters.Keys.Where(n => cmdlet.Parameter(n) is null))
                problems.Add($"{cmdlet.Name}: help describes -{name}, which the cmdlet does not have.");
            foreach (var name in help.Defaults.Keys.Where(n => cmdlet.Parameter(n) is null))
                problems.Add($"{cmdlet.Name}: help gives a default for -{name}, which the cmdlet does not have.");
            foreach (var example in help.Examples.Where(e => e.Verify is not ("run" or "parse") || (e.Verify == "parse") == string.IsNullOrWhiteSpace(e.Why)))
                problems.Add($"{cmdlet.Name}: example '{example.Title}' must be verified by \"run\" or by \"parse\" with a reason (why).");
        }
        foreach (var code in Commands.SelectMany(c => c.Examples).Select(e => string.Join("\n", e.Code)))
            foreach (var cmdlet in cmdlets)
                foreach (var name in ParametersUsed(code, cmdlet.Name).Where(n => !IsKnownParameter(cmdlet, n)).Distinct())
                    problems.Add($"an example runs {cmdlet.Name} -{name}, which does not exist: {code}");
        foreach (var help in Commands.Where(h => cmdlets.All(c => c.Name != h.Name)))
            problems.Add($"{help.Name}: help entry for a cmdlet the module does not have.");
        foreach (var shared in SharedParameters.Keys.Where(n => cmdlets.All(c => c.Parameter(n) is null)))
            problems.Add($"shared parameter -{shared} is not a parameter of any cmdlet.");
        return problems;
    }
}

public sealed partial class HelpSource
{
    private static readonly string[] CommonParameters =
        ["Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable", "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable"];

    /// <summary>
    /// The -Names written after each use of a cmdlet in example code, up to the end of its pipeline segment (a longer
    /// cmdlet name that starts with this one, such as Get-RedisBackupContent for Get-RedisBackup, is not a use of it).
    /// </summary>
    public static IEnumerable<string> ParametersUsed(string code, string cmdletName)
        => Regex.Matches(code, Regex.Escape(cmdletName) + @"(?![\w-])(?<args>[^|'""();}\n]*)")
            .SelectMany(use => ParameterToken().Matches(use.Groups["args"].Value))
            .Select(m => m.Groups[1].Value);

    private static bool IsKnownParameter(CmdletModel cmdlet, string name)
        => cmdlet.Parameters.Any(p => p.Aliases.Prepend(p.Name).Contains(name, StringComparer.OrdinalIgnoreCase))
           || CommonParameters.Contains(name, StringComparer.OrdinalIgnoreCase)
           || (cmdlet.SupportsShouldProcess && (name.Equals("WhatIf", StringComparison.OrdinalIgnoreCase) || name.Equals("Confirm", StringComparison.OrdinalIgnoreCase)));

    [GeneratedRegex(@"(?<![\w-])-([A-Za-z]\w*)")]
    private static partial Regex ParameterToken();
}

public sealed class CommandHelp
{
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("synopsis")] public string Synopsis { get; init; } = "";
    [JsonPropertyName("description")] public List<string> Description { get; init; } = [];
    [JsonPropertyName("parameters")] public Dictionary<string, string> Parameters { get; init; } = [];
    [JsonPropertyName("defaults")] public Dictionary<string, string> Defaults { get; init; } = [];
    [JsonPropertyName("inputs")] public Dictionary<string, string> Inputs { get; init; } = [];
    [JsonPropertyName("outputs")] public string Outputs { get; init; } = "";
    [JsonPropertyName("notes")] public List<string> Notes { get; init; } = [];
    [JsonPropertyName("examples")] public List<ExampleHelp> Examples { get; init; } = [];
    [JsonPropertyName("links")] public List<string> Links { get; init; } = [];
}

public sealed class ExampleHelp
{
    [JsonPropertyName("title")] public string Title { get; init; } = "";
    [JsonPropertyName("code")] public List<string> Code { get; init; } = [];

    /// <summary>How the Pester suite proves the example: "run" (executed against real servers, the default) or "parse" (parsed and bound only).</summary>
    [JsonPropertyName("verify")] public string Verify { get; init; } = "run";

    /// <summary>Why a "parse" example cannot run here (a remote host, an interactive prompt, a Windows-only cmdlet).</summary>
    [JsonPropertyName("why")] public string? Why { get; init; }
    [JsonPropertyName("remarks")] public List<string> Remarks { get; init; } = [];
}
