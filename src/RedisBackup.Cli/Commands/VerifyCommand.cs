using System.CommandLine;
using RedisBackup.Cli.Options;
using RedisBackup.Cli.Output;
using RedisBackup.Engine.Model;
using RedisBackup.Engine.Operations;

namespace RedisBackup.Cli.Commands;

/// <summary>redis-backup verify: checksum and structure of one backup; exit code 1 when it is not valid.</summary>
internal sealed class VerifyCommand
{
    private readonly CliHost _host;
    private readonly BackupArgument _backup = new();
    private readonly Option<bool> _deep = new("--deep") { Description = "Also decode every value, not only walk the structure." };
    private readonly Option<bool> _strict = new("--strict") { Description = "Fail when part of the file could not be checked (an RDB of a server newer than this version)." };
    private readonly Option<bool> _json = CommonOptions.Json();

    public VerifyCommand(CliHost host)
    {
        _host = host;
        Command = new Command("verify", "Verify a backup: its SHA-256 against the recorded one, and its structure.");
        _backup.AddTo(Command);
        foreach (var option in new Option[] { _deep, _strict, _json }) Command.Options.Add(option);
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var output = new CommandOutput(_host, OutputModes.From(result.GetValue(_json), quiet: false));
        return CommandRunner.RunAsync(output, async () =>
        {
            var path = _backup.Resolve(result, _host.Environment);
            VerifyResult verified;
            var strict = result.GetValue(_strict);
            using (var progress = output.CreateProgress())
                verified = await VerifyOperation.RunAsync(path, result.GetValue(_deep), strict, progress, cancellationToken).ConfigureAwait(false);
            output.Json(verified);
            var checksum = verified.ChecksumMatches switch
            {
                true => "checksum matches",
                false => "CHECKSUM MISMATCH",
                null => "no checksum recorded",
            };
            if (verified.IsValid && verified.Level == VerificationLevel.Partial)
            {
                output.Result($"OK: {verified.Name}: every check that could run passed ({checksum}, {HumanFormat.Count(verified.KeyCount)} keys before the unchecked part).");
                output.Result($"Partially verified: {verified.Note}.");
                output.Result("Not checked: the structure after that point (the CRC64 over the whole file covered it). --strict makes this a failure.");
                return ExitCodes.Success;
            }
            if (verified.IsValid)
            {
                output.Result($"OK: {verified.Name} is valid ({checksum}, {HumanFormat.Count(verified.KeyCount)} keys).");
                return ExitCodes.Success;
            }
            output.Result($"FAILED: {verified.Name} is not valid ({checksum}).");
            foreach (var problem in verified.Problems) output.Problem(problem);
            output.Problem($"verification of {verified.Path} failed.");
            return ExitCodes.Failed;
        }, cancellationToken);
    }
}
