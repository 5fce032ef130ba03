using System.Reflection;
using RedisBackup.ModuleTools;

namespace RedisBackup.PowerShell.Tests.Infrastructure;

/// <summary>Where the repository, the assembled module folder and the PowerShell reference assembly are.</summary>
public static class ModuleLayout
{
    private static string Metadata(string key)
        => typeof(ModuleLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public static string RepoRoot => Metadata("RepoRoot");

    public static string PowerShellReferenceAssembly => Metadata("PowerShellReferenceAssembly");

    /// <summary>out/RedisBackup: the folder the build assembles (the RedisBackup.PowerShell project's AssembleModule target).</summary>
    public static string ModuleFolder => Path.Combine(RepoRoot, "out", "RedisBackup");

    public static string ModuleAssembly => Path.Combine(ModuleFolder, "RedisBackup.PowerShell.dll");

    /// <summary>The assembled manifest, the file Import-Module takes.</summary>
    public static string ModuleManifest => Path.Combine(ModuleFolder, "RedisBackup.psd1");

    public static string Manifest => Path.Combine(RepoRoot, "RedisBackup.psd1");

    public static string HelpSourceFile => Path.Combine(RepoRoot, "module", "help", "RedisBackup.help.json");

    public static string HelpXml => Path.Combine(ModuleFolder, "en-US", "RedisBackup.PowerShell.dll-Help.xml");

    public static string FormatFile => Path.Combine(ModuleFolder, "RedisBackup.Format.ps1xml");
}

/// <summary>The cmdlet surface of the assembled module, read once per test class through MetadataLoadContext.</summary>
public sealed class SurfaceFixture : IDisposable
{
    public SurfaceFixture()
    {
        Assert.True(File.Exists(ModuleLayout.ModuleAssembly), $"{ModuleLayout.ModuleAssembly} is missing: building RedisBackup.PowerShell assembles it.");
        Surface = CmdletSurface.Load(ModuleLayout.ModuleAssembly, ModuleLayout.PowerShellReferenceAssembly);
    }

    public CmdletSurface Surface { get; }

    public CmdletModel Cmdlet(string name) => Surface.Cmdlets.Single(c => c.Name == name);

    public void Dispose() => Surface.Dispose();
}
