using System.Xml.Linq;
using RedisBackup.PowerShell.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests;

/// <summary>RedisBackup.psd1, the format file and the assembled module folder agree with the compiled cmdlets.</summary>
public sealed class ManifestTests(SurfaceFixture fixture) : IClassFixture<SurfaceFixture>
{
    private static readonly Dictionary<string, object?> Manifest = Psd1Parser.ParseFile(ModuleLayout.Manifest);

    private static List<string> Strings(string key)
        => Assert.IsType<List<object?>>(Manifest[key]).Select(v => Assert.IsType<string>(v)).ToList();

    [Fact]
    public void CmdletsToExport_equals_the_cmdlet_classes()
        => Assert.Equal(fixture.Surface.Cmdlets.Select(c => c.Name).Order(StringComparer.Ordinal), Strings("CmdletsToExport").Order(StringComparer.Ordinal));

    [Fact]
    public void Root_module_edition_and_version()
    {
        Assert.Equal("RedisBackup.PowerShell.dll", Manifest["RootModule"]);
        Assert.Equal(["Core"], Strings("CompatiblePSEditions"));
        Assert.Equal("7.6", Manifest["PowerShellVersion"]);
        Assert.True(Version.TryParse(Assert.IsType<string>(Manifest["ModuleVersion"]), out _));
        Assert.True(Guid.TryParse(Assert.IsType<string>(Manifest["GUID"]), out _));
        Assert.False(string.IsNullOrWhiteSpace(Manifest["Author"] as string));
        Assert.False(string.IsNullOrWhiteSpace(Manifest["Description"] as string));
    }

    [Fact]
    public void Nothing_but_cmdlets_is_exported()
    {
        Assert.Empty(Strings("FunctionsToExport"));
        Assert.Empty(Strings("AliasesToExport"));
        Assert.Empty(Strings("VariablesToExport"));
    }

    [Fact]
    public void PSData_has_tags_and_release_notes_and_no_placeholder_uris()
    {
        var privateData = Assert.IsType<Dictionary<string, object?>>(Manifest["PrivateData"]);
        var psData = Assert.IsType<Dictionary<string, object?>>(privateData["PSData"]);
        var tags = Assert.IsType<List<object?>>(psData["Tags"]).Cast<string>().ToList();
        Assert.Contains("Redis", tags);
        Assert.Contains("PSEdition_Core", tags);
        Assert.All(tags, t => Assert.DoesNotContain(' ', t)); // the gallery rejects tags with spaces
        // A project, licence or help address must be real or absent: the project has none yet, so none is given.
        foreach (var key in new[] { "ProjectUri", "LicenseUri", "IconUri", "HelpInfoURI" })
            Assert.False(psData.ContainsKey(key) || Manifest.ContainsKey(key), $"{key} names an address the project does not have.");
        Assert.Contains("0.1.0", Assert.IsType<string>(psData["ReleaseNotes"]), StringComparison.Ordinal);
    }

    [Fact]
    public void The_manifest_version_is_the_assembly_version()
    {
        var version = Version.Parse((string)Manifest["ModuleVersion"]!);
        var assemblyVersion = fixture.Surface.Assembly.GetName().Version!;
        Assert.Equal((version.Major, version.Minor, version.Build), (assemblyVersion.Major, assemblyVersion.Minor, assemblyVersion.Build));
    }

    [Fact]
    public void Every_file_the_manifest_names_is_in_the_module_folder_and_nothing_else_is()
    {
        var named = new List<string> { (string)Manifest["RootModule"]! };
        named.AddRange(Strings("FormatsToProcess"));
        named.AddRange(Strings("RequiredAssemblies"));
        named.AddRange(Strings("FileList"));
        foreach (var file in named.Distinct())
            Assert.True(File.Exists(Path.Combine(ModuleLayout.ModuleFolder, file)), $"{file} is named in the manifest but missing from {ModuleLayout.ModuleFolder}.");

        var present = Directory.GetFiles(ModuleLayout.ModuleFolder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(ModuleLayout.ModuleFolder, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
        Assert.Equal(Strings("FileList").Order(StringComparer.Ordinal), present);
    }

    [Fact]
    public void The_assembled_manifest_is_the_repository_manifest()
        => Assert.Equal(File.ReadAllText(ModuleLayout.Manifest), File.ReadAllText(Path.Combine(ModuleLayout.ModuleFolder, "RedisBackup.psd1")));

    [Fact]
    public void The_parser_handles_the_manifest_language_and_rejects_code()
    {
        var value = Assert.IsType<Dictionary<string, object?>>(Psd1Parser.ParseText("@{ A = 'it''s'; B = @('x', \"y\"\n 'z'); C = 1, 2 <# c #>\n D = $true # end\n E = @{ F = $null } }"));
        Assert.Equal("it's", value["a"]);
        Assert.Equal(new object?[] { "x", "y", "z" }, Assert.IsType<List<object?>>(value["B"]));
        Assert.Equal(new object?[] { 1L, 2L }, Assert.IsType<List<object?>>(value["C"]));
        Assert.Equal(true, value["D"]);
        Assert.Null(Assert.IsType<Dictionary<string, object?>>(value["E"])["F"]);
        Assert.Throws<FormatException>(() => Psd1Parser.ParseText("@{ A = Get-Date }"));
        Assert.Throws<FormatException>(() => Psd1Parser.ParseText("@{ A = \"$env:HOME\" }"));
    }

    [Fact]
    public void The_format_file_is_valid_xml_with_a_table_view_for_each_output_type()
    {
        Assert.Equal(["RedisBackup.Format.ps1xml"], Strings("FormatsToProcess"));
        var doc = XDocument.Load(ModuleLayout.FormatFile);
        var views = doc.Root!.Element("ViewDefinitions")!.Elements("View").ToList();
        var selected = views.Select(v => v.Element("ViewSelectedBy")!.Element("TypeName")!.Value).ToList();
        var outputTypes = fixture.Surface.Cmdlets.SelectMany(c => c.OutputTypes).Select(t => t.FullName!).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(outputTypes, selected.Order(StringComparer.Ordinal));
        Assert.All(views, v => Assert.True(v.Element("TableControl") is not null || v.Element("ListControl") is not null));
    }

    [Fact]
    public void Format_columns_name_real_properties_and_headers_match_items()
    {
        var doc = XDocument.Load(ModuleLayout.FormatFile);
        foreach (var view in doc.Root!.Element("ViewDefinitions")!.Elements("View"))
        {
            var typeName = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value;
            var type = fixture.Surface.Assembly.GetType(typeName, throwOnError: true)!;
            var properties = type.GetProperties().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var table = view.Element("TableControl");
            if (table is not null)
                Assert.Equal(table.Element("TableHeaders")!.Elements("TableColumnHeader").Count(), table.Descendants("TableColumnItem").Count());
            foreach (var item in view.Descendants().Where(e => e.Name.LocalName is "TableColumnItem" or "ListItem"))
            {
                var property = item.Element("PropertyName")?.Value;
                if (property is not null) Assert.True(properties.Contains(property), $"{typeName} has no property {property}.");
                foreach (var used in System.Text.RegularExpressions.Regex.Matches(item.Element("ScriptBlock")?.Value ?? "", @"\$_\.(\w+)").Select(m => m.Groups[1].Value))
                    Assert.True(properties.Contains(used), $"{typeName} has no property {used} (used in a script block).");
            }
        }
    }
}
