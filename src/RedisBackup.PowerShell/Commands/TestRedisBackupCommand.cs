using System.Management.Automation;
using RedisBackup.Engine.Catalog;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Commands;

/// <summary>Test-RedisBackup: recomputes each backup's checksum and checks its structure; emits one result per file.</summary>
[Cmdlet(VerbsDiagnostic.Test, "RedisBackup", DefaultParameterSetName = PathSet)]
[OutputType(typeof(VerifyResult))]
public sealed class TestRedisBackupCommand : BackupFileCmdlet
{
    /// <summary>Also decodes every value (slower), not only the file's structure and checksum.</summary>
    [Parameter]
    public SwitchParameter Deep { get; set; }

    /// <summary>
    /// Makes a part of the file that could not be checked a failure (IsValid false): an RDB written by a server newer than
    /// this version of RedisBackup, which is otherwise valid at Level Partial when its checksum matches.
    /// </summary>
    [Parameter]
    public SwitchParameter Strict { get; set; }

    protected override void ProcessRecord()
    {
        var paths = ResolveBackupFiles();
        foreach (var path in paths)
        {
            try
            {
                var result = RunEngine((progress, ct) => VerifyOperation.RunAsync(path, Deep.IsPresent, Strict.IsPresent, progress, ct));
                if (!result.IsValid) WriteVerbose($"{result.Name} failed verification: {string.Join("; ", result.Problems)}");
                else if (result.Level == VerificationLevel.Partial)
                    WriteWarning($"{result.Name} is verified in part: {result.Note}. -Strict makes this a failure.");
                WriteObject(VerifyResult.From(result));
            }
            catch (Exception ex) when (TryWriteError(ex, path))
            {
            }
        }
    }
}
