using System.Text.RegularExpressions;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Tests.Architecture;

/// <summary>
/// The engine's dependency rule (docs/architecture.md): each folder is one namespace and one layer, and a namespace
/// uses only namespaces of lower layers, so the graph has no cycle. Read from the compiled engine, so a use through a
/// fully qualified name, a lambda or an async method counts as much as a using line.
/// </summary>
public class LayerTests
{
    /// <summary>The layers, top to bottom as numbers (higher uses lower); the table of docs/architecture.md.</summary>
    private static readonly Dictionary<string, int> Layers = new(StringComparer.Ordinal)
    {
        ["Operations"] = 6,
        ["Catalog"] = 5,
        ["Demo"] = 5,
        ["Docker"] = 5,
        ["Export"] = 5,
        ["Restore"] = 5,
        ["Decode"] = 4,
        ["Formats"] = 3,
        ["Rdb"] = 2,
        ["Redis"] = 2,
        ["IO"] = 1,
        ["Model"] = 1,
        ["Errors"] = 0,
    };

    private static NamespaceGraph Engine()
        => NamespaceGraph.Read(typeof(RedisBackupException).Assembly.Location, "RedisBackup.Engine");

    [Fact]
    public void The_engine_namespace_graph_has_no_cycle()
    {
        var graph = Engine();
        Assert.True(graph.Cycles().Count == 0,
            $"Namespaces that use each other in a circle: {string.Join("; ", graph.Cycles().Select(c => string.Join(", ", c)))}.{Environment.NewLine}{graph}");
    }

    [Fact]
    public void Every_engine_namespace_imports_only_lower_layers()
    {
        var graph = Engine();
        var unknown = graph.Edges.Keys.Where(n => !Layers.ContainsKey(n)).ToList();
        Assert.True(unknown.Count == 0, $"Namespaces without a layer (add them to docs/architecture.md and this table): {string.Join(", ", unknown)}");

        var upward = graph.Edges
            .SelectMany(e => e.Value.Select(to => (From: e.Key, To: to)))
            .Where(e => Layers[e.To] >= Layers[e.From])
            .Select(e => $"{e.From} (layer {Layers[e.From]}) -> {e.To} (layer {Layers[e.To]})")
            .ToList();
        Assert.True(upward.Count == 0, $"Imports that do not point down: {string.Join("; ", upward)}{Environment.NewLine}{graph}");
    }

    [Fact]
    public void Every_engine_folder_is_its_namespace()
    {
        var engine = Path.Combine(RepoRoot(), "src", "RedisBackup.Engine");
        var wrong = new List<string>();
        foreach (var file in Directory.EnumerateFiles(engine, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(engine, file).Replace('\\', '/');
            if (relative.StartsWith("bin/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal))
                continue;
            var folder = Path.GetDirectoryName(relative)!.Replace('/', '.').Replace('\\', '.');
            var expected = folder.Length == 0 ? "RedisBackup.Engine" : "RedisBackup.Engine." + folder;
            var declared = Regex.Matches(File.ReadAllText(file), @"^namespace\s+([\w.]+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
            if (declared.Count == 0 || declared.Any(n => n != expected))
                wrong.Add($"{relative}: {string.Join(", ", declared)} (expected {expected})");
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    [Fact]
    public void The_cycle_check_finds_a_cycle()
    {
        var graph = NamespaceGraph.FromEdges(new Dictionary<string, string[]>
        {
            ["Catalog"] = ["IO"],
            ["IO"] = ["Errors", "Catalog"],
            ["Errors"] = [],
        });
        Assert.Equal(["Catalog", "IO"], Assert.Single(graph.Cycles()));
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RedisBackup.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"No RedisBackup.sln above {AppContext.BaseDirectory}.");
    }
}
