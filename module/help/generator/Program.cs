using RedisBackup.ModuleTools;

// Usage: RedisBackup.HelpGen <module dll> <System.Management.Automation reference dll> <help source json> <output xml>
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: RedisBackup.HelpGen <module.dll> <System.Management.Automation.dll> <help.json> <out-Help.xml>");
    return 2;
}

using var surface = CmdletSurface.Load(args[0], args[1]);
var source = HelpSource.Load(args[2]);
var problems = source.Check(surface.Cmdlets);
foreach (var problem in problems) Console.Error.WriteLine($"{args[2]}: error RBHELP1: {problem}");
if (problems.Count > 0) return 1;

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(args[3]))!);
var temp = args[3] + ".tmp";
MamlWriter.Write(temp, source, surface.Cmdlets);
File.Move(temp, args[3], overwrite: true);
Console.WriteLine($"Wrote help for {surface.Cmdlets.Count} cmdlets to {args[3]}");
return 0;
