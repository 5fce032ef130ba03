using System.Reflection;
using System.Text.RegularExpressions;
using RedisBackup.Engine.Errors;

namespace RedisBackup.Tests.Errors;

/// <summary>
/// The error-id catalogue (<see cref="ErrorIds"/>, issue 12): no error-id literal lives outside it, it and
/// docs/errors.md list the same ids, and each id's value is its name.
/// </summary>
public class ErrorCatalogTests
{
    private static readonly Regex StringLiteral = new(@"@""(?:[^""]|"""")*""|""(?:[^""\\\n]|\\.)*""", RegexOptions.Compiled);
    private static readonly Regex IdLiteral = new(@"(?<![\\@$""\w])""([A-Za-z][A-Za-z0-9]*)""(?!"")", RegexOptions.Compiled);

    /// <summary>Places where an id is given or compared: a literal there is an id outside the catalogue, known or new.</summary>
    private static readonly (string What, Regex Pattern)[] IdPlaces =
    [
        ("an exception built with a literal id (ErrorKind, \"Id\")", new(@"ErrorKind\.\w+(?:\s*:\s*ErrorKind\.\w+)?\s*,\s*""", RegexOptions.Compiled)),
        ("an ErrorRecord built with a literal id", new(@"new\s+ErrorRecord\s*\([^,()]*(?:\([^()]*\))?[^,()]*,\s*""", RegexOptions.Compiled)),
        ("an ErrorId compared with a literal", new(@"ErrorId\s*(?:==|!=|is|:)\s*(?:not\s+)?""", RegexOptions.Compiled)),
        ("a literal id reported by the CLI", new(@"ReportError\s*\(\s*\w+\s*,\s*""", RegexOptions.Compiled)),
    ];

    private static Dictionary<string, string> Constants() => typeof(ErrorIds)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!, StringComparer.Ordinal);

    [Fact]
    public void No_error_id_literal_in_product_code()
    {
        var ids = Constants().Values.ToHashSet(StringComparer.Ordinal);
        var root = RepoRoot();
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal)
                || relative.EndsWith("Errors/ErrorIds.cs", StringComparison.Ordinal))
                continue;
            var code = CodeOf(File.ReadAllText(file));
            for (var i = 0; i < code.Length; i++)
            {
                foreach (Match m in IdLiteral.Matches(code[i]))
                {
                    if (ids.Contains(m.Groups[1].Value))
                        found.Add($"{relative}:{i + 1}: the id literal {m.Value} (use ErrorIds.{m.Groups[1].Value})");
                }
            }
            // The id places span lines (an id on the line after `new RedisBackupException(ErrorKind.X,`).
            var joined = string.Join('\n', code);
            foreach (var (what, pattern) in IdPlaces)
            {
                foreach (Match m in pattern.Matches(joined))
                {
                    var line = joined.AsSpan(0, m.Index).Count('\n') + 1;
                    found.Add($"{relative}:{line}: {what}: {m.Value.ReplaceLineEndings(" ")}");
                }
            }
        }

        Assert.True(found.Count == 0, $"{found.Count} error-id literal(s) outside ErrorIds:{Environment.NewLine}{string.Join(Environment.NewLine, found.Distinct())}");
    }

    [Fact]
    public void The_scan_finds_each_kind_of_literal_id()
    {
        // The scan of the test above, proved on the shapes it must catch (and on what it must leave alone).
        string[] bad =
        [
            "throw new RedisBackupException(ErrorKind.InvalidData, \"SomethingNew\", \"message\");",
            "=> new(fromOption ? ErrorKind.InvalidArgument : ErrorKind.NotSupported, \"SomethingNew\",",
            "catch (RedisBackupException ex) when (ex.ErrorId == \"SomethingNew\")",
            "catch (RedisBackupException ex) when (ex.ErrorId is \"SomethingNew\" or \"Other\")",
            "if (error is not RedisBackupException { ErrorId: \"SomethingNew\" })",
            "new ErrorRecord(exception, \"SomethingNew\", ErrorCategory.WriteError, item)",
            "ReportError(output, \"SomethingNew\", \"kind\", message);",
        ];
        foreach (var line in bad)
            Assert.Contains(IdPlaces, p => p.Pattern.IsMatch(string.Join('\n', CodeOf(line))));
        Assert.Matches(IdLiteral, "OperationCanceledException => \"Cancelled\",");

        string[] good =
        [
            "throw new RedisBackupException(ErrorKind.InvalidData, ErrorIds.BackupCorrupt, \"BackupCorrupt: the file is damaged.\");",
            "// a comment: new RedisBackupException(ErrorKind.InvalidData, \"BackupCorrupt\", ...)",
            "var url = \"unix://x\"; // ErrorId == \"BackupCorrupt\"",
        ];
        foreach (var line in good)
        {
            var code = string.Join('\n', CodeOf(line));
            Assert.DoesNotContain(IdPlaces, p => p.Pattern.IsMatch(code));
            Assert.DoesNotContain(IdLiteral.Matches(code), m => m.Groups[1].Value == ErrorIds.BackupCorrupt);
        }
    }

    [Fact]
    public void Every_constant_is_documented_and_every_documented_id_is_a_constant()
    {
        var constants = Constants().Keys.ToHashSet(StringComparer.Ordinal);
        var documented = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(Path.Combine(RepoRoot(), "docs", "errors.md")))
        {
            // A catalogue row: | `Id` | kind | front | when raised |
            var row = Regex.Match(line, @"^\|\s*`([A-Za-z0-9]+)`\s*\|");
            if (row.Success)
                Assert.True(documented.Add(row.Groups[1].Value), $"docs/errors.md lists {row.Groups[1].Value} twice.");
        }

        Assert.Empty(constants.Except(documented).Order(StringComparer.Ordinal));
        Assert.Empty(documented.Except(constants).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_id_is_its_own_name_and_unique()
    {
        var constants = Constants();
        Assert.True(constants.Count > 100, $"Only {constants.Count} ids in ErrorIds.");
        Assert.All(constants, c => Assert.Equal(c.Key, c.Value));
        Assert.Equal(constants.Count, constants.Values.Distinct(StringComparer.Ordinal).Count());
        Assert.All(constants.Values, v => Assert.Matches("^[A-Z][A-Za-z0-9]+$", v));
    }

    /// <summary>The file's lines with comments removed (line comments, doc comments, block comments), string literals kept.</summary>
    private static string[] CodeOf(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var code = new string[lines.Length];
        var inBlock = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (inBlock)
            {
                var end = line.IndexOf("*/", StringComparison.Ordinal);
                if (end < 0)
                {
                    code[i] = "";
                    continue;
                }
                inBlock = false;
                line = new string(' ', end + 2) + line[(end + 2)..];
            }
            var cut = CommentStart(line, out var block);
            if (cut >= 0)
            {
                if (block)
                {
                    var end = line.IndexOf("*/", cut + 2, StringComparison.Ordinal);
                    if (end < 0) inBlock = true;
                    line = line[..cut] + (end < 0 ? "" : new string(' ', end + 2 - cut) + line[(end + 2)..]);
                }
                else
                {
                    line = line[..cut];
                }
            }
            code[i] = line;
        }
        return code;
    }

    /// <summary>Where a comment starts on a line, outside string literals; -1 when none.</summary>
    private static int CommentStart(string line, out bool block)
    {
        block = false;
        var masked = StringLiteral.Replace(line, m => new string('x', m.Length));
        var lineComment = masked.IndexOf("//", StringComparison.Ordinal);
        var blockComment = masked.IndexOf("/*", StringComparison.Ordinal);
        if (blockComment >= 0 && (lineComment < 0 || blockComment < lineComment))
        {
            block = true;
            return blockComment;
        }
        return lineComment;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RedisBackup.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"No RedisBackup.sln above {AppContext.BaseDirectory}.");
    }
}
