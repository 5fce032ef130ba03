using System.Runtime.CompilerServices;

namespace RedisBackup.Tests.Infrastructure;

/// <summary>Process-wide settings that keep the tests off the real user's files.</summary>
internal static class TestEnvironment
{
    /// <summary>
    /// The tool keeps its sidecar-seal key under $XDG_CONFIG_HOME/redisbackup: the tests (and the CLI processes and pwsh
    /// they start, which inherit the variable) use a directory of their own, removed when the test process ends.
    /// </summary>
#pragma warning disable CA2255 // A test assembly: set before any test runs, on purpose.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void UseOwnConfigDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "redisbackup-tests", "config-" + Guid.NewGuid().ToString("N"));
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
        else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
    }
}
