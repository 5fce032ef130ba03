using System.Diagnostics;
using System.Globalization;

namespace RedisBackup.Tests.Infrastructure;

/// <summary>
/// A second local user for permission tests: created with useradd (no home, no login shell) and removed with userdel
/// on dispose. <see cref="Run"/> runs a command as that user (setpriv, no supplementary groups). Needs root.
/// </summary>
internal sealed class LocalUser : IDisposable
{
    private static readonly SemaphoreSlim Accounts = new(1, 1);

    private LocalUser(string name, uint id, uint groupId)
    {
        Name = name;
        Id = id;
        GroupId = groupId;
    }

    public string Name { get; }
    public uint Id { get; }
    public uint GroupId { get; }

    public static LocalUser Create()
    {
        Root.Require("a second local user is created with useradd");
        var name = "rbt" + Guid.NewGuid().ToString("N")[..8];
        Accounts.Wait();
        try
        {
            // Other test processes on this machine may edit /etc/passwd at the same time: useradd then exits 10.
            for (var attempt = 0; ; attempt++)
            {
                var (code, error) = Exec("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name);
                if (code == 0) break;
                if (attempt >= 50) throw new InvalidOperationException($"useradd {name} failed ({code}): {error}");
                Thread.Sleep(200);
            }
        }
        finally
        {
            Accounts.Release();
        }
        var id = uint.Parse(Output("id", "-u", name).Trim(), CultureInfo.InvariantCulture);
        var gid = uint.Parse(Output("id", "-g", name).Trim(), CultureInfo.InvariantCulture);
        return new LocalUser(name, id, gid);
    }

    /// <summary>Runs <paramref name="file"/> as this user; returns the exit code and stderr.</summary>
    public (int ExitCode, string Error) Run(string file, params string[] args)
        => Exec("setpriv", [$"--reuid={Id}", $"--regid={GroupId}", "--clear-groups", "--", file, .. args]);

    public void Dispose()
    {
        Accounts.Wait();
        try
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                if (Exec("userdel", Name).ExitCode is 0 or 6 /* no such user */) return;
                Thread.Sleep(200);
            }
        }
        finally
        {
            Accounts.Release();
        }
    }

    private static string Output(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return stdout;
    }

    private static (int ExitCode, string Error) Exec(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stderr.Result);
    }
}
