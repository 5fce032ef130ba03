using System.Reflection;

namespace RedisBackup.ModuleTools;

/// <summary>One parameter set entry of a parameter (one [Parameter] attribute).</summary>
public sealed record ParameterSetEntry(string SetName, bool Mandatory, int? Position, bool ValueFromPipeline, bool ValueFromPipelineByPropertyName);

/// <summary>One cmdlet parameter as the cmdlet class declares it.</summary>
public sealed record ParameterModel(
    string Name,
    Type Type,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<ParameterSetEntry> Sets,
    bool SupportsWildcards,
    string? CompleterType)
{
    public const string AllSets = "__AllParameterSets";

    /// <summary>A friendly type name for help: int, string[], SwitchParameter, BackupKind, …</summary>
    public string TypeName => FriendlyName(Type);

    public bool IsSwitch => Type.FullName == "System.Management.Automation.SwitchParameter";

    public bool InSet(string set) => Sets.Any(s => s.SetName == set || s.SetName == AllSets);

    public ParameterSetEntry? EntryFor(string set) => Sets.FirstOrDefault(s => s.SetName == set) ?? Sets.FirstOrDefault(s => s.SetName == AllSets);

    private static string FriendlyName(Type t)
    {
        if (t.IsArray) return FriendlyName(t.GetElementType()!) + "[]";
        if (t.IsGenericType && t.GetGenericTypeDefinition().FullName == "System.Nullable`1") return FriendlyName(t.GetGenericArguments()[0]);
        return t.FullName switch
        {
            "System.String" => "string",
            "System.Int32" => "int",
            "System.Int64" => "long",
            "System.Boolean" => "bool",
            _ => t.Name,
        };
    }
}

/// <summary>One cmdlet class as the module assembly declares it.</summary>
public sealed record CmdletModel(
    Type Type,
    string Verb,
    string Noun,
    bool SupportsShouldProcess,
    string ConfirmImpact,
    string? DefaultParameterSetName,
    IReadOnlyList<Type> OutputTypes,
    IReadOnlyList<ParameterModel> Parameters)
{
    public string Name => Verb + "-" + Noun;

    /// <summary>The named parameter sets, or the single implicit set when none is named.</summary>
    public IReadOnlyList<string> ParameterSets
    {
        get
        {
            var named = Parameters.SelectMany(p => p.Sets).Select(s => s.SetName).Where(s => s != ParameterModel.AllSets).Distinct().ToList();
            if (DefaultParameterSetName is not null && !named.Contains(DefaultParameterSetName)) named.Insert(0, DefaultParameterSetName);
            return named.Count == 0 ? [ParameterModel.AllSets] : named;
        }
    }

    public ParameterModel? Parameter(string name) => Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Reads the cmdlet surface of a compiled module assembly without loading it for execution (MetadataLoadContext),
/// so neither PowerShell nor the module's dependencies need to run. Used by the help generator and the contract tests.
/// </summary>
public sealed class CmdletSurface : IDisposable
{
    private const string Sma = "System.Management.Automation.";
    private readonly MetadataLoadContext _context;

    private CmdletSurface(MetadataLoadContext context, Assembly assembly, IReadOnlyList<CmdletModel> cmdlets)
    {
        _context = context;
        Assembly = assembly;
        Cmdlets = cmdlets;
    }

    public Assembly Assembly { get; }

    public IReadOnlyList<CmdletModel> Cmdlets { get; }

    public MetadataLoadContext Context => _context;

    /// <param name="moduleAssembly">The built cmdlets dll; its dependencies (the engine) are found beside it.</param>
    /// <param name="systemManagementAutomation">The reference System.Management.Automation.dll (PowerShell 7.6, from the System.Management.Automation package).</param>
    public static CmdletSurface Load(string moduleAssembly, string systemManagementAutomation)
    {
        var paths = new List<string>(Directory.GetFiles(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"))
        {
            systemManagementAutomation,
        };
        paths.AddRange(Directory.GetFiles(Path.GetDirectoryName(Path.GetFullPath(moduleAssembly))!, "*.dll")
            .Where(p => !Path.GetFileName(p).Equals("System.Management.Automation.dll", StringComparison.OrdinalIgnoreCase)));
        var context = new MetadataLoadContext(new PathAssemblyResolver(paths.Distinct(StringComparer.Ordinal)), "System.Private.CoreLib");
        try
        {
            var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(moduleAssembly));
            var cmdlets = assembly.GetTypes()
                .Where(t => t.CustomAttributes.Any(a => a.AttributeType.FullName == Sma + "CmdletAttribute"))
                .OrderBy(t => t.Name, StringComparer.Ordinal)
                .Select(Read)
                .ToList();
            return new CmdletSurface(context, assembly, cmdlets);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static CmdletModel Read(Type type)
    {
        var cmdlet = type.CustomAttributes.Single(a => a.AttributeType.FullName == Sma + "CmdletAttribute");
        var outputTypes = type.CustomAttributes
            .Where(a => a.AttributeType.FullName == Sma + "OutputTypeAttribute")
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is IEnumerable<CustomAttributeTypedArgument> many ? many.Select(m => m.Value) : [arg.Value])
            .OfType<Type>()
            .ToList();
        // Parameters a base class declares come first, as PowerShell lists them for a cmdlet that declares them all.
        var parameters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .OrderBy(p => Depth(p.DeclaringType!))
            .Select(ReadParameter)
            .OfType<ParameterModel>()
            .ToList();
        return new CmdletModel(
            type,
            (string)cmdlet.ConstructorArguments[0].Value!,
            (string)cmdlet.ConstructorArguments[1].Value!,
            Named(cmdlet, "SupportsShouldProcess") is true,
            Named(cmdlet, "ConfirmImpact") switch { 0 => "None", 1 => "Low", 3 => "High", _ => "Medium" },
            Named(cmdlet, "DefaultParameterSetName") as string,
            outputTypes,
            parameters);
    }

    private static int Depth(Type type)
    {
        var depth = 0;
        for (var t = type.BaseType; t is not null; t = t.BaseType) depth++;
        return depth;
    }

    private static ParameterModel? ReadParameter(PropertyInfo property)
    {
        var attributes = property.CustomAttributes.ToList();
        var sets = attributes
            .Where(a => a.AttributeType.FullName == Sma + "ParameterAttribute")
            .Select(a => new ParameterSetEntry(
                Named(a, "ParameterSetName") as string ?? ParameterModel.AllSets,
                Named(a, "Mandatory") is true,
                Named(a, "Position") is int p && p != int.MinValue ? p : null,
                Named(a, "ValueFromPipeline") is true,
                Named(a, "ValueFromPipelineByPropertyName") is true))
            .ToList();
        if (sets.Count == 0) return null;
        var aliases = attributes
            .Where(a => a.AttributeType.FullName == Sma + "AliasAttribute")
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is IEnumerable<CustomAttributeTypedArgument> many ? many.Select(m => m.Value) : [arg.Value])
            .OfType<string>()
            .ToList();
        var completer = attributes
            .FirstOrDefault(a => a.AttributeType.FullName == Sma + "ArgumentCompleterAttribute")?
            .ConstructorArguments.Select(c => c.Value).OfType<Type>().FirstOrDefault()?.FullName;
        return new ParameterModel(
            property.Name,
            property.PropertyType,
            aliases,
            sets,
            attributes.Any(a => a.AttributeType.FullName == Sma + "SupportsWildcardsAttribute"),
            completer);
    }

    private static object? Named(CustomAttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
            if (argument.MemberName == name) return argument.TypedValue.Value;
        return null;
    }

    public void Dispose() => _context.Dispose();
}
