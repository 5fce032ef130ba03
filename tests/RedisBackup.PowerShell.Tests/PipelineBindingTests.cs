using RedisBackup.ModuleTools;
using RedisBackup.PowerShell.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests;

/// <summary>
/// The documented pipelines bind: for each, some parameter set of the receiving cmdlet has every mandatory parameter
/// satisfied by the piped object (by value, or by a property whose name is the parameter's name or alias) or by the
/// parameters the example types on the command line. A simplified model of PowerShell's parameter binder.
/// </summary>
public sealed class PipelineBindingTests(SurfaceFixture fixture) : IClassFixture<SurfaceFixture>
{
    /// <summary>Note properties the FileSystem provider adds to every item Get-ChildItem emits.</summary>
    private static readonly string[] ProviderNoteProperties = ["PSPath", "PSParentPath", "PSChildName", "PSDrive", "PSProvider", "PSIsContainer"];

    [Theory]
    [InlineData("Get-RedisBackup", "Restore-RedisBackup", "HostName", "InputObject")]
    [InlineData("Get-RedisBackup", "Restore-RedisBackup", "Container", "InputObjectToContainer")]
    [InlineData("Get-RedisBackup", "Test-RedisBackup", "", "InputObject")]
    [InlineData("Get-RedisBackup", "Remove-RedisBackup", "", "InputObject")]
    [InlineData("Get-RedisBackup", "Copy-RedisBackup", "Destination", "InputObject")]
    [InlineData("New-RedisBackup", "Restore-RedisBackup", "Uri", "InputObject")]
    [InlineData("New-RedisBackup", "Test-RedisBackup", "", "InputObject")]
    [InlineData("Copy-RedisBackup", "Test-RedisBackup", "", "InputObject")]
    public void Backup_records_bind_to_the_next_cmdlet(string producer, string consumer, string typed, string expectedSet)
    {
        var output = fixture.Cmdlet(producer).OutputTypes.Single();
        var sets = BindableSets(fixture.Cmdlet(consumer), output, PropertyNames(output), Typed(typed));
        Assert.Equal(expectedSet, sets.First()); // by-value binding wins, as in PowerShell
    }

    [Theory]
    [InlineData("Restore-RedisBackup", "HostName", "Path")]
    [InlineData("Test-RedisBackup", "", "Path")]
    [InlineData("Copy-RedisBackup", "Destination", "Path")]
    [InlineData("Remove-RedisBackup", "", "Path")]
    public void A_backup_records_Path_property_also_binds_by_property_name(string consumer, string typed, string expectedSet)
    {
        var record = fixture.Cmdlet("Get-RedisBackup").OutputTypes.Single();
        Assert.Contains(expectedSet, BindableSets(fixture.Cmdlet(consumer), byValueType: null, PropertyNames(record), Typed(typed)));
    }

    [Theory]
    [InlineData("Restore-RedisBackup", "HostName", "LiteralPath")]
    [InlineData("Restore-RedisBackup", "Container", "LiteralPathToContainer")]
    [InlineData("Test-RedisBackup", "", "LiteralPath")]
    [InlineData("Copy-RedisBackup", "Destination", "LiteralPath")]
    [InlineData("Remove-RedisBackup", "", "LiteralPath")]
    public void Files_from_Get_ChildItem_bind_to_LiteralPath(string consumer, string typed, string expectedSet)
    {
        var fileInfo = fixture.Surface.Context.CoreAssembly!.GetType("System.IO.FileInfo", throwOnError: true)!;
        var properties = PropertyNames(fileInfo).Concat(ProviderNoteProperties).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Equal([expectedSet], BindableSets(fixture.Cmdlet(consumer), fileInfo, properties, Typed(typed)));
    }

    [Fact]
    public void A_catalog_directory_parameter_never_binds_from_the_pipeline()
    {
        // A BackupRecord's Path is a file: binding it as a catalog directory would list or write the wrong place.
        foreach (var name in new[] { "New-RedisBackup", "Get-RedisBackup", "Get-RedisBackupStats" })
            Assert.All(fixture.Cmdlet(name).Parameter("Path")!.Sets, s => Assert.False(s.ValueFromPipelineByPropertyName));
    }

    [Fact]
    public void Record_property_names_match_the_documented_parameters()
    {
        var record = PropertyNames(fixture.Cmdlet("Get-RedisBackup").OutputTypes.Single());
        Assert.Contains("Name", record);
        Assert.Contains("Path", record);
        Assert.Contains("Kind", record);
        var verify = PropertyNames(fixture.Cmdlet("Test-RedisBackup").OutputTypes.Single());
        Assert.Contains("Path", verify);
    }

    private static HashSet<string> Typed(string typed) => typed.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);

    private static HashSet<string> PropertyNames(Type type)
        => type.GetProperties().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The parameter sets that can bind, by-value sets first.</summary>
    private static List<string> BindableSets(CmdletModel cmdlet, Type? byValueType, HashSet<string> properties, HashSet<string> typed)
    {
        var byValue = new List<string>();
        var byName = new List<string>();
        foreach (var set in cmdlet.ParameterSets)
        {
            var inSet = cmdlet.Parameters.Where(p => p.InSet(set)).ToList();
            if (typed.Any(t => inSet.All(p => !string.Equals(p.Name, t, StringComparison.OrdinalIgnoreCase)))) continue;
            var usedByValue = false;
            var ok = true;
            foreach (var p in inSet.Where(p => p.EntryFor(set)!.Mandatory && !typed.Contains(p.Name)))
            {
                var entry = p.EntryFor(set)!;
                var elementType = p.Type.IsArray ? p.Type.GetElementType()! : p.Type;
                if (entry.ValueFromPipeline && byValueType is not null && elementType.IsAssignableFrom(byValueType)) usedByValue = true;
                else if (entry.ValueFromPipelineByPropertyName && p.Aliases.Prepend(p.Name).Any(properties.Contains)) { }
                else ok = false;
            }
            if (ok) (usedByValue ? byValue : byName).Add(set);
        }
        return [.. byValue, .. byName];
    }
}
