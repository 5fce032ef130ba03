using System.Text;
using System.Xml;

namespace RedisBackup.ModuleTools;

/// <summary>Writes MAML command help (the format Get-Help reads from &lt;dll&gt;-Help.xml) from the help source and the compiled surface.</summary>
public static class MamlWriter
{
    private const string Msh = "http://msh";
    private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
    private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static void Write(string path, HelpSource source, IReadOnlyList<CmdletModel> cmdlets)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) };
        using var xml = XmlWriter.Create(path, settings);
        xml.WriteStartDocument();
        xml.WriteStartElement("helpItems", Msh);
        xml.WriteAttributeString("schema", "maml");
        foreach (var cmdlet in cmdlets) WriteCommand(xml, source, source.Commands.Single(c => c.Name == cmdlet.Name), cmdlet);
        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static void WriteCommand(XmlWriter xml, HelpSource source, CommandHelp help, CmdletModel cmdlet)
    {
        xml.WriteStartElement("command", "command", Command);
        xml.WriteAttributeString("xmlns", "maml", null, Maml);
        xml.WriteAttributeString("xmlns", "dev", null, Dev);

        xml.WriteStartElement("details", Command);
        xml.WriteElementString("name", Command, cmdlet.Name);
        xml.WriteElementString("verb", Command, cmdlet.Verb);
        xml.WriteElementString("noun", Command, cmdlet.Noun);
        Paragraphs(xml, "description", Maml, [help.Synopsis]);
        xml.WriteEndElement();

        Paragraphs(xml, "description", Maml, help.Description);

        xml.WriteStartElement("syntax", Command);
        foreach (var set in cmdlet.ParameterSets)
        {
            xml.WriteStartElement("syntaxItem", Command);
            xml.WriteElementString("name", Maml, cmdlet.Name);
            var inSet = cmdlet.Parameters.Where(p => p.InSet(set))
                .OrderBy(p => p.EntryFor(set)!.Position ?? int.MaxValue)
                .ThenByDescending(p => p.EntryFor(set)!.Mandatory);
            foreach (var p in inSet) WriteParameter(xml, source, help, p, p.EntryFor(set)!, inSyntax: true);
            if (cmdlet.SupportsShouldProcess) WriteShouldProcessParameters(xml, inSyntax: true);
            xml.WriteEndElement();
        }
        xml.WriteEndElement();

        xml.WriteStartElement("parameters", Command);
        foreach (var p in cmdlet.Parameters.OrderBy(p => p.Name, StringComparer.Ordinal))
            WriteParameter(xml, source, help, p, Summary(p), inSyntax: false);
        if (cmdlet.SupportsShouldProcess) WriteShouldProcessParameters(xml, inSyntax: false);
        xml.WriteEndElement();

        xml.WriteStartElement("inputTypes", Command);
        var inputs = cmdlet.Parameters.Where(p => p.Sets.Any(s => s.ValueFromPipeline || s.ValueFromPipelineByPropertyName)).ToList();
        if (inputs.Count == 0) TypedEntry(xml, "inputType", "None", "This cmdlet does not take pipeline input.");
        foreach (var p in inputs.Where(p => p.Sets.Any(s => s.ValueFromPipeline)))
            TypedEntry(xml, "inputType", ElementTypeName(p.Type), help.Inputs.GetValueOrDefault(p.Name, $"Bound to -{p.Name}."));
        foreach (var p in inputs.Where(p => p.Sets.Any(s => s.ValueFromPipelineByPropertyName)))
            TypedEntry(xml, "inputType", "System.String", help.Inputs.GetValueOrDefault(p.Name,
                $"Any object with a {string.Join(" or ", new[] { p.Name }.Concat(p.Aliases))} property binds to -{p.Name}."));
        xml.WriteEndElement();

        xml.WriteStartElement("returnValues", Command);
        foreach (var t in cmdlet.OutputTypes) TypedEntry(xml, "returnValue", t.FullName!, help.Outputs);
        xml.WriteEndElement();

        if (help.Notes.Count > 0)
        {
            xml.WriteStartElement("alertSet", Maml);
            xml.WriteStartElement("alert", Maml);
            foreach (var note in help.Notes) xml.WriteElementString("para", Maml, note);
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        xml.WriteStartElement("examples", Command);
        var n = 0;
        foreach (var example in help.Examples)
        {
            xml.WriteStartElement("example", Command);
            xml.WriteElementString("title", Maml, $"-------------------------- Example {++n}: {example.Title} --------------------------");
            xml.WriteElementString("code", Dev, string.Join("\n", example.Code));
            Paragraphs(xml, "remarks", Dev, example.Remarks);
            xml.WriteEndElement();
        }
        xml.WriteEndElement();

        xml.WriteStartElement("relatedLinks", Maml);
        foreach (var link in help.Links)
        {
            xml.WriteStartElement("navigationLink", Maml);
            xml.WriteElementString("linkText", Maml, link);
            xml.WriteElementString("uri", Maml, "");
            xml.WriteEndElement();
        }
        xml.WriteEndElement();

        xml.WriteEndElement();
    }

    private static void WriteParameter(XmlWriter xml, HelpSource source, CommandHelp help, ParameterModel p, ParameterSetEntry entry, bool inSyntax)
    {
        xml.WriteStartElement("parameter", Command);
        xml.WriteAttributeString("required", entry.Mandatory ? "true" : "false");
        xml.WriteAttributeString("variableLength", p.Type.IsArray ? "true" : "false");
        xml.WriteAttributeString("globbing", p.SupportsWildcards ? "true" : "false");
        xml.WriteAttributeString("pipelineInput", PipelineInput(entry));
        xml.WriteAttributeString("position", entry.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "named");
        xml.WriteAttributeString("aliases", p.Aliases.Count == 0 ? "none" : string.Join(", ", p.Aliases));
        xml.WriteElementString("name", Maml, p.Name);
        Paragraphs(xml, "description", Maml, [HelpSource.DescribeParameter(source, help, p.Name) ?? ""]);
        if (!(inSyntax && p.IsSwitch))
        {
            xml.WriteStartElement("parameterValue", Command);
            xml.WriteAttributeString("required", p.IsSwitch ? "false" : "true");
            xml.WriteAttributeString("variableLength", p.Type.IsArray ? "true" : "false");
            xml.WriteString(p.TypeName);
            xml.WriteEndElement();
        }
        xml.WriteStartElement("type", Dev);
        xml.WriteElementString("name", Maml, p.Type.FullName ?? p.TypeName);
        xml.WriteElementString("uri", Maml, "");
        xml.WriteEndElement();
        xml.WriteElementString("defaultValue", Dev, p.IsSwitch ? "False" : HelpSource.DefaultOf(source, help, p.Name) ?? "None");
        xml.WriteEndElement();
    }

    /// <summary>-WhatIf and -Confirm, which PowerShell adds to every cmdlet that supports ShouldProcess.</summary>
    private static void WriteShouldProcessParameters(XmlWriter xml, bool inSyntax)
    {
        foreach (var (name, alias, text) in new[]
        {
            ("WhatIf", "wi", "Shows what would happen if the cmdlet runs. The cmdlet is not run."),
            ("Confirm", "cf", "Prompts you for confirmation before running the cmdlet."),
        })
        {
            xml.WriteStartElement("parameter", Command);
            xml.WriteAttributeString("required", "false");
            xml.WriteAttributeString("variableLength", "false");
            xml.WriteAttributeString("globbing", "false");
            xml.WriteAttributeString("pipelineInput", "False");
            xml.WriteAttributeString("position", "named");
            xml.WriteAttributeString("aliases", alias);
            xml.WriteElementString("name", Maml, name);
            Paragraphs(xml, "description", Maml, [text]);
            if (!inSyntax)
            {
                xml.WriteStartElement("parameterValue", Command);
                xml.WriteAttributeString("required", "false");
                xml.WriteAttributeString("variableLength", "false");
                xml.WriteString("SwitchParameter");
                xml.WriteEndElement();
            }
            xml.WriteStartElement("type", Dev);
            xml.WriteElementString("name", Maml, "System.Management.Automation.SwitchParameter");
            xml.WriteElementString("uri", Maml, "");
            xml.WriteEndElement();
            xml.WriteElementString("defaultValue", Dev, "False");
            xml.WriteEndElement();
        }
    }

    /// <summary>One line for the parameter list: mandatory/pipeline/position as in its most binding set.</summary>
    private static ParameterSetEntry Summary(ParameterModel p) => new(
        "",
        p.Sets.All(s => s.Mandatory),
        p.Sets.Select(s => s.Position).FirstOrDefault(x => x is not null),
        p.Sets.Any(s => s.ValueFromPipeline),
        p.Sets.Any(s => s.ValueFromPipelineByPropertyName));

    private static string PipelineInput(ParameterSetEntry e) => (e.ValueFromPipeline, e.ValueFromPipelineByPropertyName) switch
    {
        (true, true) => "True (ByValue, ByPropertyName)",
        (true, false) => "True (ByValue)",
        (false, true) => "True (ByPropertyName)",
        _ => "False",
    };

    private static string ElementTypeName(Type t) => (t.IsArray ? t.GetElementType()! : t).FullName!;

    private static void TypedEntry(XmlWriter xml, string element, string typeName, string description)
    {
        xml.WriteStartElement(element, Command);
        xml.WriteStartElement("type", Dev);
        xml.WriteElementString("name", Maml, typeName);
        xml.WriteElementString("uri", Maml, "");
        xml.WriteEndElement();
        Paragraphs(xml, "description", Maml, [description]);
        xml.WriteEndElement();
    }

    private static void Paragraphs(XmlWriter xml, string element, string ns, IEnumerable<string> paragraphs)
    {
        xml.WriteStartElement(element, ns);
        foreach (var para in paragraphs) xml.WriteElementString("para", Maml, para);
        xml.WriteEndElement();
    }
}
