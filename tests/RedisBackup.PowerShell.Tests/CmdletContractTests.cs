using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using RedisBackup.ModuleTools;
using RedisBackup.PowerShell.Tests.Infrastructure;

namespace RedisBackup.PowerShell.Tests;

/// <summary>The cmdlet surface of the built module, checked against PowerShell's design rules without a PowerShell runtime.</summary>
public sealed class CmdletContractTests(SurfaceFixture fixture) : IClassFixture<SurfaceFixture>
{
    /// <summary>The output of Get-Verb in PowerShell 7.4 (approved verbs, every group).</summary>
    private static readonly HashSet<string> ApprovedVerbs = new(StringComparer.Ordinal)
    {
        // Common
        "Add", "Clear", "Close", "Copy", "Enter", "Exit", "Find", "Format", "Get", "Hide", "Join", "Lock", "Move", "New", "Open",
        "Optimize", "Pop", "Push", "Redo", "Remove", "Rename", "Reset", "Resize", "Search", "Select", "Set", "Show", "Skip",
        "Split", "Step", "Switch", "Undo", "Unlock", "Watch",
        // Communications
        "Connect", "Disconnect", "Read", "Receive", "Send", "Write",
        // Data
        "Backup", "Checkpoint", "Compare", "Compress", "Convert", "ConvertFrom", "ConvertTo", "Dismount", "Edit", "Expand", "Export",
        "Group", "Import", "Initialize", "Limit", "Merge", "Mount", "Out", "Publish", "Restore", "Save", "Sync", "Unpublish", "Update",
        // Diagnostic
        "Debug", "Measure", "Ping", "Repair", "Resolve", "Test", "Trace",
        // Lifecycle
        "Approve", "Assert", "Build", "Complete", "Confirm", "Deny", "Deploy", "Disable", "Enable", "Install", "Invoke", "Register",
        "Request", "Restart", "Resume", "Start", "Stop", "Submit", "Suspend", "Uninstall", "Unregister", "Wait",
        // Other
        "Use",
        // Security
        "Block", "Grant", "Protect", "Revoke", "Unblock", "Unprotect",
    };

    /// <summary>Parameters PowerShell adds itself (common and ShouldProcess parameters) and their aliases: a cmdlet must not declare them.</summary>
    private static readonly HashSet<string> ReservedNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable", "WarningVariable",
        "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm", "UseTransaction",
        "vb", "db", "ea", "wa", "infa", "proga", "ev", "wv", "iv", "ov", "ob", "pv", "wi", "cf", "usetx",
    };

    private static readonly string[] ExpectedCmdlets =
    [
        "Convert-RedisBackup", "Copy-RedisBackup", "Get-RedisBackup", "Get-RedisBackupContent", "Get-RedisBackupStats", "New-RedisBackup", "Remove-RedisBackup",
        "Restore-RedisBackup", "Test-RedisBackup",
    ];

    /// <summary>The connection parameters, identical (name, type, aliases) on every cmdlet that connects to Redis.</summary>
    private static readonly string[] ConnectionParameters = ["Container", "HostName", "Port", "Uri", "Credential", "UseTls", "TlsCaFile", "SkipCertificateCheck"];

    /// <summary>The design list for -Force: only these cmdlets have it, and each one calls ShouldContinue.</summary>
    private static readonly string[] ForceCmdlets = ["Copy-RedisBackup", "Restore-RedisBackup"];

    [Fact]
    public void The_module_exports_exactly_the_nine_cmdlets()
        => Assert.Equal(ExpectedCmdlets, fixture.Surface.Cmdlets.Select(c => c.Name).OrderBy(n => n, StringComparer.Ordinal));

    [Fact]
    public void Every_verb_is_approved_and_every_noun_is_prefixed()
    {
        foreach (var cmdlet in fixture.Surface.Cmdlets)
        {
            Assert.True(ApprovedVerbs.Contains(cmdlet.Verb), $"{cmdlet.Name}: '{cmdlet.Verb}' is not an approved verb.");
            Assert.StartsWith("RedisBackup", cmdlet.Noun, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Classes_are_public_sealed_and_named_VerbNounCommand()
    {
        foreach (var cmdlet in fixture.Surface.Cmdlets)
        {
            Assert.True(cmdlet.Type.IsPublic, $"{cmdlet.Type.Name} is not public.");
            Assert.True(cmdlet.Type.IsSealed, $"{cmdlet.Type.Name} is not sealed.");
            Assert.Equal(cmdlet.Verb + cmdlet.Noun + "Command", cmdlet.Type.Name);
            Assert.Equal("RedisBackup.PowerShell.Commands", cmdlet.Type.Namespace);
        }
    }

    [Fact]
    public void Every_cmdlet_derives_from_the_shared_base_that_owns_cancellation()
    {
        var baseType = fixture.Surface.Assembly.GetType("RedisBackup.PowerShell.Infrastructure.RedisBackupCmdlet", throwOnError: true)!;
        Assert.True(baseType.IsAbstract);
        Assert.Equal("System.Management.Automation.PSCmdlet", baseType.BaseType!.FullName);
        Assert.Contains(baseType.GetInterfaces(), i => i.FullName == "System.IDisposable");
        var declared = baseType.GetMethods(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly).Select(m => m.Name).ToList();
        Assert.Contains("BeginProcessing", declared);
        Assert.Contains("StopProcessing", declared);
        Assert.Contains("Dispose", declared);
        foreach (var cmdlet in fixture.Surface.Cmdlets)
        {
            // Directly, or through an abstract base of its own (BackupFileCmdlet, the backup-file inputs) that derives from it.
            var type = cmdlet.Type;
            while (type != baseType)
            {
                Assert.True(type == cmdlet.Type || type.IsAbstract, $"{cmdlet.Name}: {type.Name} between it and RedisBackupCmdlet is not abstract");
                var own = type.GetMethods(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly).Select(m => m.Name);
                Assert.DoesNotContain("StopProcessing", own); // the base alone cancels
                type = type.BaseType ?? throw new Xunit.Sdk.XunitException($"{cmdlet.Name} does not derive from RedisBackupCmdlet");
            }
        }
    }

    [Theory]
    [InlineData("New-RedisBackup", true, "Medium")]
    [InlineData("Get-RedisBackup", false, "Medium")]
    [InlineData("Restore-RedisBackup", true, "High")]
    [InlineData("Remove-RedisBackup", true, "High")]
    [InlineData("Get-RedisBackupStats", false, "Medium")]
    [InlineData("Test-RedisBackup", false, "Medium")]
    [InlineData("Copy-RedisBackup", true, "Medium")]
    [InlineData("Convert-RedisBackup", true, "Medium")]
    [InlineData("Get-RedisBackupContent", false, "Medium")]
    public void ShouldProcess_and_ConfirmImpact(string name, bool supportsShouldProcess, string confirmImpact)
    {
        var cmdlet = fixture.Cmdlet(name);
        Assert.Equal(supportsShouldProcess, cmdlet.SupportsShouldProcess);
        Assert.Equal(confirmImpact, cmdlet.ConfirmImpact);
    }

    [Theory]
    [InlineData("New-RedisBackup", "Endpoint", "Container,Endpoint")]
    [InlineData("Get-RedisBackup", null, "__AllParameterSets")]
    [InlineData("Restore-RedisBackup", "Path", "InputObject,InputObjectToContainer,LiteralPath,LiteralPathToContainer,Name,NameToContainer,Path,PathToContainer")]
    [InlineData("Remove-RedisBackup", "Name", "InputObject,LiteralPath,Name,Path")]
    [InlineData("Get-RedisBackupStats", null, "__AllParameterSets")]
    [InlineData("Test-RedisBackup", "Path", "InputObject,LiteralPath,Name,Path")]
    [InlineData("Copy-RedisBackup", "Path", "InputObject,LiteralPath,Name,Path")]
    [InlineData("Convert-RedisBackup", "Path", "InputObject,LiteralPath,Name,Path")]
    [InlineData("Get-RedisBackupContent", "Path", "InputObject,LiteralPath,Name,Path")]
    public void Parameter_sets_and_the_default_set(string name, string? defaultSet, string sets)
    {
        var cmdlet = fixture.Cmdlet(name);
        Assert.Equal(defaultSet, cmdlet.DefaultParameterSetName);
        Assert.Equal(sets.Split(','), cmdlet.ParameterSets.OrderBy(s => s, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("New-RedisBackup", "Container", "Container")]
    [InlineData("New-RedisBackup", "Endpoint", "")]
    [InlineData("Get-RedisBackup", "__AllParameterSets", "")]
    [InlineData("Restore-RedisBackup", "InputObject", "InputObject")]
    [InlineData("Restore-RedisBackup", "InputObjectToContainer", "Container,InputObject")]
    [InlineData("Restore-RedisBackup", "Path", "Path")]
    [InlineData("Restore-RedisBackup", "PathToContainer", "Container,Path")]
    [InlineData("Restore-RedisBackup", "LiteralPath", "LiteralPath")]
    [InlineData("Restore-RedisBackup", "LiteralPathToContainer", "Container,LiteralPath")]
    [InlineData("Restore-RedisBackup", "Name", "Name")]
    [InlineData("Restore-RedisBackup", "NameToContainer", "Container,Name")]
    [InlineData("Test-RedisBackup", "Name", "Name")]
    [InlineData("Copy-RedisBackup", "Name", "Destination,Name")]
    [InlineData("Remove-RedisBackup", "Name", "Name")]
    [InlineData("Remove-RedisBackup", "InputObject", "InputObject")]
    [InlineData("Remove-RedisBackup", "Path", "Path")]
    [InlineData("Remove-RedisBackup", "LiteralPath", "LiteralPath")]
    [InlineData("Get-RedisBackupStats", "__AllParameterSets", "")]
    [InlineData("Test-RedisBackup", "InputObject", "InputObject")]
    [InlineData("Test-RedisBackup", "Path", "Path")]
    [InlineData("Copy-RedisBackup", "InputObject", "Destination,InputObject")]
    [InlineData("Copy-RedisBackup", "Path", "Destination,Path")]
    [InlineData("Copy-RedisBackup", "LiteralPath", "Destination,LiteralPath")]
    [InlineData("Convert-RedisBackup", "InputObject", "InputObject")]
    [InlineData("Convert-RedisBackup", "Path", "Path")]
    [InlineData("Convert-RedisBackup", "Name", "Name")]
    [InlineData("Get-RedisBackupContent", "LiteralPath", "LiteralPath")]
    [InlineData("Get-RedisBackupContent", "Name", "Name")]
    public void Mandatory_parameters_per_set(string name, string set, string mandatory)
    {
        var cmdlet = fixture.Cmdlet(name);
        var actual = cmdlet.Parameters.Where(p => p.EntryFor(set) is { Mandatory: true } e && (e.SetName == set || e.SetName == ParameterModel.AllSets))
            .Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(mandatory.Split(',', StringSplitOptions.RemoveEmptyEntries), actual);
    }

    [Theory]
    [InlineData("Restore-RedisBackup")]
    [InlineData("Remove-RedisBackup")]
    [InlineData("Test-RedisBackup")]
    [InlineData("Copy-RedisBackup")]
    [InlineData("Convert-RedisBackup")]
    [InlineData("Get-RedisBackupContent")]
    public void Backup_consumers_bind_InputObject_by_value_and_paths_by_property_name(string name)
    {
        var cmdlet = fixture.Cmdlet(name);
        var input = cmdlet.Parameter("InputObject")!;
        Assert.Equal("RedisBackup.PowerShell.BackupRecord[]", input.Type.FullName);
        Assert.All(input.Sets, s => Assert.True(s.ValueFromPipeline && s.Mandatory));

        var path = cmdlet.Parameter("Path")!;
        Assert.All(path.Sets, s => Assert.True(s.ValueFromPipelineByPropertyName));
        Assert.True(path.SupportsWildcards);
        Assert.Empty(path.Aliases); // PSPath/FullName name exact paths: they belong to -LiteralPath

        var literal = cmdlet.Parameter("LiteralPath")!;
        Assert.All(literal.Sets, s => Assert.True(s.ValueFromPipelineByPropertyName));
        Assert.Contains("PSPath", literal.Aliases);
        Assert.Contains("FullName", literal.Aliases);
        Assert.False(literal.SupportsWildcards);
        Assert.Equal("System.String[]", path.Type.FullName);
        Assert.Equal("System.String[]", literal.Type.FullName);
    }

    [Fact]
    public void The_catalog_is_CatalogPath_with_alias_Directory_everywhere_and_Path_always_names_backup_files()
    {
        foreach (var cmdlet in fixture.Surface.Cmdlets)
        {
            Assert.DoesNotContain(cmdlet.Parameters, p => p.Name is "Directory" or "SafetySnapshotPath");
            var catalog = cmdlet.Parameter("CatalogPath");
            Assert.True(catalog is not null, $"{cmdlet.Name} has no -CatalogPath.");
            Assert.Equal(["Directory"], catalog.Aliases);
            Assert.DoesNotContain(catalog.Sets, s => s.ValueFromPipeline || s.ValueFromPipelineByPropertyName);
            if (cmdlet.Parameter("Path") is { } path) Assert.Contains(path.Sets, s => s.ValueFromPipelineByPropertyName); // a file, not a catalog
        }
    }

    [Fact]
    public void Only_the_backup_consumers_take_pipeline_input()
    {
        foreach (var name in new[] { "New-RedisBackup", "Get-RedisBackup", "Get-RedisBackupStats" })
            Assert.DoesNotContain(fixture.Cmdlet(name).Parameters.SelectMany(p => p.Sets), s => s.ValueFromPipeline || s.ValueFromPipelineByPropertyName);
    }

    [Theory]
    [InlineData("New-RedisBackup", "RedisBackup.PowerShell.BackupRecord")]
    [InlineData("Get-RedisBackup", "RedisBackup.PowerShell.BackupRecord")]
    [InlineData("Restore-RedisBackup", "RedisBackup.PowerShell.RestoreResult")]
    [InlineData("Remove-RedisBackup", "RedisBackup.PowerShell.BackupRecord")]
    [InlineData("Get-RedisBackupStats", "RedisBackup.PowerShell.CatalogStats")]
    [InlineData("Test-RedisBackup", "RedisBackup.PowerShell.VerifyResult")]
    [InlineData("Copy-RedisBackup", "RedisBackup.PowerShell.BackupRecord")]
    [InlineData("Convert-RedisBackup", "RedisBackup.PowerShell.BackupRecord")]
    [InlineData("Get-RedisBackupContent", "RedisBackup.PowerShell.BackupContent")]
    public void Every_cmdlet_declares_its_output_type(string name, string outputType)
        => Assert.Equal([outputType], fixture.Cmdlet(name).OutputTypes.Select(t => t.FullName));

    [Fact]
    public void No_cmdlet_redeclares_a_common_or_ShouldProcess_parameter()
    {
        foreach (var cmdlet in fixture.Surface.Cmdlets)
            foreach (var p in cmdlet.Parameters)
            {
                Assert.False(ReservedNames.Contains(p.Name), $"{cmdlet.Name} declares reserved parameter -{p.Name}.");
                Assert.All(p.Aliases, a => Assert.False(ReservedNames.Contains(a), $"{cmdlet.Name} -{p.Name} has reserved alias {a}."));
            }
    }

    [Fact]
    public void Parameter_names_and_aliases_are_unique_within_each_cmdlet()
    {
        foreach (var cmdlet in fixture.Surface.Cmdlets)
        {
            var names = cmdlet.Parameters.SelectMany(p => p.Aliases.Prepend(p.Name)).ToList();
            Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        }
    }

    [Fact]
    public void Positions_are_unique_within_each_parameter_set()
    {
        foreach (var cmdlet in fixture.Surface.Cmdlets)
            foreach (var set in cmdlet.ParameterSets)
            {
                var positions = cmdlet.Parameters.Select(p => p.EntryFor(set)).Where(e => e?.Position is not null).Select(e => e!.Position!.Value).ToList();
                Assert.Equal(positions.Count, positions.Distinct().Count());
            }
    }

    [Fact]
    public void Connection_parameters_are_identical_on_every_cmdlet_that_connects()
    {
        var connecting = new[] { fixture.Cmdlet("New-RedisBackup"), fixture.Cmdlet("Restore-RedisBackup") };
        foreach (var name in ConnectionParameters)
        {
            var shapes = connecting.Select(c => c.Parameter(name) ?? throw new Xunit.Sdk.XunitException($"{c.Name} lacks -{name}."))
                .Select(p => (p.Type.FullName, Aliases: string.Join(",", p.Aliases), p.CompleterType)).Distinct().ToList();
            Assert.Single(shapes);
        }
        Assert.Equal("System.Management.Automation.PSCredential", connecting[0].Parameter("Credential")!.Type.FullName);
        Assert.Equal("RedisBackup.PowerShell.Completion.ContainerNameCompleter", connecting[0].Parameter("Container")!.CompleterType);
        // -Database: the databases to back up on New-, the target database on Restore- (an alias of -ToDatabase).
        Assert.NotNull(connecting[0].Parameter("Database"));
        Assert.Contains("Database", connecting[1].Parameter("ToDatabase")!.Aliases);
    }

    [Fact]
    public void Container_and_endpoint_parameters_never_share_a_parameter_set()
    {
        foreach (var cmdlet in new[] { fixture.Cmdlet("New-RedisBackup"), fixture.Cmdlet("Restore-RedisBackup") })
            foreach (var set in cmdlet.ParameterSets.Where(s => cmdlet.Parameter("Container")!.InSet(s)))
            {
                foreach (var endpoint in new[] { "HostName", "Port", "Uri", "UseTls", "TlsCaFile", "SkipCertificateCheck" })
                    Assert.False(cmdlet.Parameter(endpoint)!.InSet(set), $"{cmdlet.Name}: -{endpoint} is in container set {set}.");
                // The container's Redis password (and ACL user) is given as for a server.
                Assert.True(cmdlet.Parameter("Credential")!.InSet(set), $"{cmdlet.Name}: -Credential is missing from container set {set}.");
            }
    }

    [Theory]
    [InlineData("Get-RedisBackup", "Name")]
    [InlineData("Remove-RedisBackup", "Name")]
    [InlineData("Restore-RedisBackup", "Name")]
    [InlineData("Test-RedisBackup", "Name")]
    [InlineData("Copy-RedisBackup", "Name")]
    [InlineData("Convert-RedisBackup", "Name")]
    [InlineData("Get-RedisBackupContent", "Name")]
    public void Backup_names_complete_from_the_catalog(string name, string parameter)
        => Assert.Equal("RedisBackup.PowerShell.Completion.BackupNameCompleter", fixture.Cmdlet(name).Parameter(parameter)!.CompleterType);

    [Fact]
    public void Completers_implement_IArgumentCompleter()
    {
        foreach (var typeName in new[] { "RedisBackup.PowerShell.Completion.ContainerNameCompleter", "RedisBackup.PowerShell.Completion.BackupNameCompleter" })
        {
            var type = fixture.Surface.Assembly.GetType(typeName, throwOnError: true)!;
            Assert.True(type.IsPublic && type.IsSealed);
            Assert.Contains(type.GetInterfaces(), i => i.FullName == "System.Management.Automation.IArgumentCompleter");
        }
    }

    [Fact]
    public void Force_exists_only_where_ShouldContinue_is_called()
    {
        var callers = CmdletTypesCallingShouldContinue();
        foreach (var cmdlet in fixture.Surface.Cmdlets)
        {
            var hasForce = cmdlet.Parameter("Force") is not null;
            Assert.Equal(ForceCmdlets.Contains(cmdlet.Name), hasForce);
            Assert.Equal(hasForce, callers.Contains(cmdlet.Type.FullName!));
        }
    }

    [Fact]
    public void PassThru_is_offered_by_the_cmdlet_that_otherwise_emits_nothing()
    {
        Assert.NotNull(fixture.Cmdlet("Remove-RedisBackup").Parameter("PassThru"));
        Assert.All(fixture.Surface.Cmdlets.Where(c => c.Name != "Remove-RedisBackup"), c => Assert.Null(c.Parameter("PassThru")));
    }

    /// <summary>Full names of the types whose own methods call Cmdlet.ShouldContinue (an IL scan of call/callvirt).</summary>
    private static HashSet<string> CmdletTypesCallingShouldContinue()
    {
        using var pe = new PEReader(File.OpenRead(ModuleLayout.ModuleAssembly));
        var md = pe.GetMetadataReader();
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            var fullName = md.GetString(type.Namespace) + "." + md.GetString(type.Name);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0) continue;
                var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader();
                if (CallsShouldContinue(md, ref il)) result.Add(fullName);
            }
        }
        return result;
    }

    private static bool CallsShouldContinue(MetadataReader md, ref BlobReader il)
    {
        while (il.RemainingBytes > 0)
        {
            var op = il.ReadByte();
            var code = op == 0xFE ? (ILOpCode)(0xFE00 | il.ReadByte()) : (ILOpCode)op;
            switch (code)
            {
                case ILOpCode.Call or ILOpCode.Callvirt:
                    var handle = MetadataTokens.EntityHandle(il.ReadInt32());
                    if (handle.Kind == HandleKind.MemberReference && md.GetString(md.GetMemberReference((MemberReferenceHandle)handle).Name) == "ShouldContinue")
                        return true;
                    break;
                case ILOpCode.Switch:
                    var count = il.ReadInt32();
                    il.Offset += count * 4;
                    break;
                default:
                    il.Offset += OperandSize(code);
                    break;
            }
        }
        return false;
    }

    private static int OperandSize(ILOpCode code) => code switch
    {
        ILOpCode.Ldarg_s or ILOpCode.Ldarga_s or ILOpCode.Starg_s or ILOpCode.Ldloc_s or ILOpCode.Ldloca_s or ILOpCode.Stloc_s
            or ILOpCode.Ldc_i4_s or ILOpCode.Br_s or ILOpCode.Brfalse_s or ILOpCode.Brtrue_s or ILOpCode.Beq_s or ILOpCode.Bge_s
            or ILOpCode.Bgt_s or ILOpCode.Ble_s or ILOpCode.Blt_s or ILOpCode.Bne_un_s or ILOpCode.Bge_un_s or ILOpCode.Bgt_un_s
            or ILOpCode.Ble_un_s or ILOpCode.Blt_un_s or ILOpCode.Leave_s or ILOpCode.Unaligned => 1,
        ILOpCode.Ldarg or ILOpCode.Ldarga or ILOpCode.Starg or ILOpCode.Ldloc or ILOpCode.Ldloca or ILOpCode.Stloc => 2,
        ILOpCode.Ldc_i8 or ILOpCode.Ldc_r8 => 8,
        ILOpCode.Ldc_i4 or ILOpCode.Ldc_r4 or ILOpCode.Br or ILOpCode.Brfalse or ILOpCode.Brtrue or ILOpCode.Beq or ILOpCode.Bge
            or ILOpCode.Bgt or ILOpCode.Ble or ILOpCode.Blt or ILOpCode.Bne_un or ILOpCode.Bge_un or ILOpCode.Bgt_un or ILOpCode.Ble_un
            or ILOpCode.Blt_un or ILOpCode.Leave or ILOpCode.Jmp or ILOpCode.Calli or ILOpCode.Newobj or ILOpCode.Ldfld
            or ILOpCode.Ldflda or ILOpCode.Stfld or ILOpCode.Ldsfld or ILOpCode.Ldsflda or ILOpCode.Stsfld or ILOpCode.Ldstr
            or ILOpCode.Ldtoken or ILOpCode.Ldftn or ILOpCode.Ldvirtftn or ILOpCode.Box or ILOpCode.Unbox or ILOpCode.Unbox_any
            or ILOpCode.Castclass or ILOpCode.Isinst or ILOpCode.Newarr or ILOpCode.Ldelema or ILOpCode.Ldelem or ILOpCode.Stelem
            or ILOpCode.Ldobj or ILOpCode.Stobj or ILOpCode.Cpobj or ILOpCode.Initobj or ILOpCode.Sizeof or ILOpCode.Mkrefany
            or ILOpCode.Refanyval or ILOpCode.Constrained => 4,
        _ => 0,
    };
}
