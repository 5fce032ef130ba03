using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace RedisBackup.PowerShell.Tests.Infrastructure;

/// <summary>One prompt the host was shown: ShouldProcess/ShouldContinue choices, with the answer it gave.</summary>
public sealed record Prompt(string Caption, string Message, IReadOnlyList<string> Choices, string Answer);

/// <summary>
/// A PowerShell host whose UI answers prompts from a script (the labels' hot keys: "Y", "A", "N", "L") and records
/// every prompt and every line written to it. A prompt with no answer left fails the test instead of hanging.
/// </summary>
public sealed class TestHost : PSHost
{
    private readonly TestHostUI _ui = new();

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override string Name => "RedisBackupTestHost";
    public override PSHostUserInterface UI => _ui;
    public override Version Version => new(1, 0);

    /// <summary>Answers for the next prompts, in order.</summary>
    public Queue<string> Answers => _ui.Answers;

    public IReadOnlyList<Prompt> Prompts => _ui.Prompts;

    /// <summary>Everything written to the host (-WhatIf's "What if:" lines go here), since the last <see cref="TakeText"/>.</summary>
    public string TakeText()
    {
        lock (_ui.Text)
        {
            var text = _ui.Text.ToString();
            _ui.Text.Clear();
            return text;
        }
    }

    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
    public override void SetShouldExit(int exitCode) { }

    private sealed class TestHostUI : PSHostUserInterface
    {
        public Queue<string> Answers { get; } = new();
        public List<Prompt> Prompts { get; } = [];
        public System.Text.StringBuilder Text { get; } = new();
        public override PSHostRawUserInterface? RawUI => null;

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            var labels = choices.Select(c => c.Label).ToList();
            if (Answers.Count == 0)
                throw new InvalidOperationException($"The test host was prompted with no answer left: {caption}: {message}");
            var answer = Answers.Dequeue();
            var index = labels.FindIndex(l => HotKey(l).Equals(answer, StringComparison.OrdinalIgnoreCase));
            if (index < 0) throw new InvalidOperationException($"No choice '{answer}' among {string.Join(", ", labels)}.");
            Prompts.Add(new Prompt(caption, message, labels, labels[index]));
            return index;
        }

        private static string HotKey(string label)
        {
            var amp = label.IndexOf('&', StringComparison.Ordinal);
            return amp >= 0 && amp + 1 < label.Length ? label[amp + 1].ToString() : label;
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
            => throw new InvalidOperationException($"Unexpected prompt for input: {caption}: {message}");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName)
            => throw new InvalidOperationException("Unexpected credential prompt.");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options)
            => throw new InvalidOperationException("Unexpected credential prompt.");
        public override string ReadLine() => throw new InvalidOperationException("Unexpected ReadLine.");
        public override SecureString ReadLineAsSecureString() => throw new InvalidOperationException("Unexpected ReadLineAsSecureString.");
        public override void Write(string value) { lock (Text) Text.Append(value); }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { lock (Text) Text.Append(value); }
        public override void WriteLine(string value) { lock (Text) Text.AppendLine(value); }
        public override void WriteErrorLine(string value) { }
        public override void WriteDebugLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) { }
    }
}
