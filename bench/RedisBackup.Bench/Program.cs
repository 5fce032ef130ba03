using RedisBackup.Bench;

if (args.Length >= 1 && args[0] == "rdb-verify")
    return await RdbVerifyBenchmark.RunAsync(args[1..]);

if (args.Length >= 2 && args[0] == "--child")
    return await ChildMode.RunAsync(args);

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Console.Error.WriteLine("Cancelling: stopping the benchmark's processes ...");
    cts.Cancel();
};
var workDir = Path.Combine(Path.GetTempPath(), $"redisbackup-bench-{Guid.NewGuid():N}");
Directory.CreateDirectory(workDir);
// SIGTERM (e.g. a timeout) skips the finally below: stop the servers and remove the files here too.
AppDomain.CurrentDomain.ProcessExit += (_, _) =>
{
    RedisServer.KillAll();
    if (!options.KeepFiles) TempFiles.DeleteDirectory(workDir);
};
var report = new Report { Options = options, Command = "dotnet run -c Release --project bench/RedisBackup.Bench -- " + string.Join(' ', args) };
Console.WriteLine($"RedisBackup benchmark ({(options.Quick ? "quick" : "full")}): {Environment.ProcessorCount} cores, load average {report.LoadAverageAtStart}, work directory {workDir}");
if (!ProcessRunner.CanMeasureRss) Console.WriteLine("  /usr/bin/time not found: our peak RSS comes from the child's VmHWM; redis-cli's is not measured (apt-get install time).");

var exitCode = 0;
try
{
    if (!options.SkipKeys) await new KeyLevelSuite(options, report, workDir).RunAsync(cts.Token);
    if (!options.SkipSnapshot) await new SnapshotSuite(options, report, workDir).RunAsync(cts.Token);
    if (options.Scale.Count > 0) await new ScaleSuite(options, report, workDir).RunAsync(cts.Token);
    if (options.BigKeys) await new BigKeySuite(report, workDir).RunAsync(cts.Token);
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled.");
    exitCode = 130;
}
catch (Exception ex) when (ex is InvalidOperationException or IOException or RedisBackup.Engine.Errors.RedisBackupException)
{
    Console.Error.WriteLine($"The benchmark stopped: {ex.Message}");
    exitCode = 1;
}
finally
{
    RedisServer.KillAll();
    if (!options.KeepFiles)
    {
        TempFiles.DeleteDirectory(workDir);
    }
    else
    {
        Console.WriteLine($"Files kept in {workDir}");
    }
}

report.LoadAverageAtEnd = Report.LoadAverage();
Console.WriteLine();
Console.WriteLine($"Results (redis {report.RedisVersion}, {report.Cores} cores, load average {report.LoadAverageAtStart} at start, {report.LoadAverageAtEnd} at end; ratios are ours / baseline, medians of {options.Runs} run(s)):");
Console.WriteLine();
Console.WriteLine(report.Table());
if (report.Scale.Count > 0)
{
    Console.WriteLine($"Scale series (small string keys; load average {report.LoadAverageAtStart} at start, {report.LoadAverageAtEnd} at end; medians of {options.Runs} run(s)):");
    Console.WriteLine();
    Console.WriteLine(report.ScaleTable());
}
var output = options.Output ?? Path.Combine(RepositoryRoot(), "bench", "results", options.Quick ? "latest-quick.json" : "latest.json");
report.Save(output);
Console.WriteLine($"JSON written to {output}");
if (exitCode == 0 && report.Measurements.Any(m => m.Pass == false)) exitCode = 3;
return exitCode;

static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "RedisBackup.sln"))) return dir.FullName;
    return Directory.GetCurrentDirectory();
}
