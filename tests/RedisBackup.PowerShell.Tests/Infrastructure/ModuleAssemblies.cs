using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace RedisBackup.PowerShell.Tests.Infrastructure;

/// <summary>
/// The cmdlets and the engine are not copied beside the tests: whether a test touches their types first or
/// Import-Module loads them, they come from out/RedisBackup, so the tests run exactly the files users import.
/// </summary>
internal static class ModuleAssemblies
{
    [ModuleInitializer]
    internal static void LoadFromTheModuleFolder()
        => AssemblyLoadContext.Default.Resolving += (context, name) =>
            name.Name is "RedisBackup.PowerShell" or "RedisBackup.Engine"
                ? context.LoadFromAssemblyPath(Path.Combine(ModuleLayout.ModuleFolder, name.Name + ".dll"))
                : null;
}
