using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace RedisBackup.Tests.Architecture;

/// <summary>
/// Which namespace of a compiled assembly uses which, read from its metadata: base types, interfaces, field, method,
/// property and local-variable signatures, attributes, and every type, method and field token in the method bodies'
/// IL. Only the assembly's own namespaces under <c>root</c> count; a nested or compiler-generated type (an async
/// state machine, a lambda's closure) counts as its outermost declaring type's namespace.
/// </summary>
public sealed class NamespaceGraph
{
    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    private readonly MetadataReader _reader;
    private readonly string _root;
    private readonly SortedDictionary<string, SortedSet<string>> _edges = new(StringComparer.Ordinal);

    private NamespaceGraph(MetadataReader reader, string root)
    {
        _reader = reader;
        _root = root;
    }

    /// <summary>Namespace (relative to the root, e.g. "Catalog") → the other namespaces it uses.</summary>
    public IReadOnlyDictionary<string, SortedSet<string>> Edges => _edges;

    /// <summary>Public (exported) top-level and nested types of the assembly.</summary>
    public IReadOnlyList<string> PublicTypes { get; private set; } = [];

    public static NamespaceGraph Read(string assemblyPath, string root)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var graph = new NamespaceGraph(pe.GetMetadataReader(), root);
        graph.Build(pe);
        return graph;
    }

    /// <summary>A graph given as edges (to test the checks themselves).</summary>
    public static NamespaceGraph FromEdges(IReadOnlyDictionary<string, string[]> edges)
    {
        var graph = new NamespaceGraph(null!, "");
        foreach (var (from, to) in edges)
        {
            graph._edges[from] = new SortedSet<string>(to, StringComparer.Ordinal);
        }

        return graph;
    }

    /// <summary>Every cycle's namespaces, as one strongly connected set each (empty when the graph is acyclic).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = 0;
        var indices = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var result = new List<IReadOnlyList<string>>();

        void Visit(string v)
        {
            indices[v] = low[v] = index++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in _edges.GetValueOrDefault(v) ?? [])
            {
                if (!indices.TryGetValue(w, out var seen))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], seen);
                }
            }

            if (low[v] == indices[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                if (component.Count > 1)
                {
                    component.Sort(StringComparer.Ordinal);
                    result.Add(component);
                }
            }
        }

        foreach (var v in _edges.Keys.Union(_edges.Values.SelectMany(s => s)).ToList())
        {
            if (!indices.ContainsKey(v))
            {
                Visit(v);
            }
        }

        return result;
    }

    public override string ToString()
        => string.Join(Environment.NewLine, _edges.Select(e => $"{e.Key} -> {string.Join(", ", e.Value)}"));

    private void Build(PEReader pe)
    {
        var publicTypes = new List<string>();
        foreach (var handle in _reader.TypeDefinitions)
        {
            var type = _reader.GetTypeDefinition(handle);
            var from = NamespaceOf(handle);
            if (IsVisible(type))
            {
                publicTypes.Add(FullName(handle));
            }

            if (from is null)
            {
                continue;
            }

            _edges.TryAdd(from, new SortedSet<string>(StringComparer.Ordinal));
            AddType(from, type.BaseType);
            foreach (var i in type.GetInterfaceImplementations())
            {
                AddType(from, _reader.GetInterfaceImplementation(i).Interface);
            }

            AddAttributes(from, type.GetCustomAttributes());
            foreach (var f in type.GetFields())
            {
                var field = _reader.GetFieldDefinition(f);
                AddTypes(from, field.DecodeSignature(Collector.Instance, null));
                AddAttributes(from, field.GetCustomAttributes());
            }

            foreach (var p in type.GetProperties())
            {
                var property = _reader.GetPropertyDefinition(p);
                AddSignature(from, property.DecodeSignature(Collector.Instance, null));
                AddAttributes(from, property.GetCustomAttributes());
            }

            foreach (var m in type.GetMethods())
            {
                var method = _reader.GetMethodDefinition(m);
                AddSignature(from, method.DecodeSignature(Collector.Instance, null));
                AddAttributes(from, method.GetCustomAttributes());
                foreach (var p in method.GetParameters())
                {
                    AddAttributes(from, _reader.GetParameter(p).GetCustomAttributes());
                }

                if (method.RelativeVirtualAddress != 0)
                {
                    AddBody(from, pe.GetMethodBody(method.RelativeVirtualAddress));
                }
            }
        }

        foreach (var edges in _edges)
        {
            edges.Value.Remove(edges.Key);
        }

        publicTypes.Sort(StringComparer.Ordinal);
        PublicTypes = publicTypes;
    }

    private bool IsVisible(TypeDefinition type)
    {
        var visibility = type.Attributes & TypeAttributes.VisibilityMask;
        if (visibility == TypeAttributes.Public)
        {
            return true;
        }

        return visibility is TypeAttributes.NestedPublic or TypeAttributes.NestedFamily or TypeAttributes.NestedFamORAssem
            && IsVisible(_reader.GetTypeDefinition(type.GetDeclaringType()));
    }

    private string FullName(TypeDefinitionHandle handle)
    {
        var type = _reader.GetTypeDefinition(handle);
        var declaring = type.GetDeclaringType();
        return declaring.IsNil
            ? $"{_reader.GetString(type.Namespace)}.{_reader.GetString(type.Name)}"
            : $"{FullName(declaring)}+{_reader.GetString(type.Name)}";
    }

    private string? NamespaceOf(TypeDefinitionHandle handle)
    {
        var type = _reader.GetTypeDefinition(handle);
        while (!type.GetDeclaringType().IsNil)
        {
            type = _reader.GetTypeDefinition(type.GetDeclaringType());
        }

        var name = _reader.GetString(type.Namespace);
        if (name == _root)
        {
            return "(root)";
        }

        return name.StartsWith(_root + ".", StringComparison.Ordinal) ? name[(_root.Length + 1)..] : null;
    }

    private void Add(string from, TypeDefinitionHandle to)
    {
        var target = NamespaceOf(to);
        if (target is not null)
        {
            _edges[from].Add(target);
        }
    }

    private void AddTypes(string from, IEnumerable<TypeDefinitionHandle> types)
    {
        foreach (var t in types)
        {
            Add(from, t);
        }
    }

    private void AddSignature(string from, MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature)
    {
        AddTypes(from, signature.ReturnType);
        foreach (var p in signature.ParameterTypes)
        {
            AddTypes(from, p);
        }
    }

    private void AddAttributes(string from, CustomAttributeHandleCollection attributes)
    {
        foreach (var a in attributes)
        {
            AddToken(from, _reader.GetCustomAttribute(a).Constructor);
        }
    }

    private void AddType(string from, EntityHandle handle)
    {
        if (handle.IsNil)
        {
            return;
        }

        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                Add(from, (TypeDefinitionHandle)handle);
                break;
            case HandleKind.TypeSpecification:
                AddTypes(from, _reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(Collector.Instance, null));
                break;
        }
    }

    private void AddToken(string from, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
            case HandleKind.TypeSpecification:
                AddType(from, handle);
                break;
            case HandleKind.MethodDefinition:
                Add(from, _reader.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.FieldDefinition:
                Add(from, _reader.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.MemberReference:
                var member = _reader.GetMemberReference((MemberReferenceHandle)handle);
                AddType(from, member.Parent);
                if (member.GetKind() == MemberReferenceKind.Method)
                {
                    AddSignature(from, member.DecodeMethodSignature(Collector.Instance, null));
                }
                else
                {
                    AddTypes(from, member.DecodeFieldSignature(Collector.Instance, null));
                }

                break;
            case HandleKind.MethodSpecification:
                var spec = _reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                AddToken(from, spec.Method);
                foreach (var t in spec.DecodeSignature(Collector.Instance, null))
                {
                    AddTypes(from, t);
                }

                break;
        }
    }

    private void AddBody(string from, MethodBodyBlock body)
    {
        if (!body.LocalSignature.IsNil)
        {
            foreach (var local in _reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(Collector.Instance, null))
            {
                AddTypes(from, local);
            }
        }

        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            short code = il.ReadByte();
            if (code == 0xFE)
            {
                code = unchecked((short)(0xFE00 | il.ReadByte()));
            }

            switch (Operands[code])
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32();
                    il.Offset += 4 * targets;
                    break;
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                    AddToken(from, MetadataTokens.EntityHandle(il.ReadInt32()));
                    break;
                default:
                    il.Offset += 4;
                    break;
            }
        }
    }

    /// <summary>Decodes a signature into the assembly's own type definitions it names.</summary>
    private sealed class Collector : ISignatureTypeProvider<ImmutableArray<TypeDefinitionHandle>, object?>
    {
        public static readonly Collector Instance = new();

        private static readonly ImmutableArray<TypeDefinitionHandle> None = [];

        public ImmutableArray<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => None;

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind)
            => reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public ImmutableArray<TypeDefinitionHandle> GetSZArrayType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetArrayType(ImmutableArray<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetByReferenceType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetPointerType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetPinnedType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetGenericInstantiation(ImmutableArray<TypeDefinitionHandle> genericType, ImmutableArray<ImmutableArray<TypeDefinitionHandle>> typeArguments)
            => genericType.AddRange(typeArguments.SelectMany(a => a));

        public ImmutableArray<TypeDefinitionHandle> GetGenericMethodParameter(object? genericContext, int index) => None;

        public ImmutableArray<TypeDefinitionHandle> GetGenericTypeParameter(object? genericContext, int index) => None;

        public ImmutableArray<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature)
            => signature.ReturnType.AddRange(signature.ParameterTypes.SelectMany(p => p));

        public ImmutableArray<TypeDefinitionHandle> GetModifiedType(ImmutableArray<TypeDefinitionHandle> modifier, ImmutableArray<TypeDefinitionHandle> unmodifiedType, bool isRequired)
            => modifier.AddRange(unmodifiedType);

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromSerializedName(string name) => None;

        public ImmutableArray<TypeDefinitionHandle> GetPrimitiveTypeForEnum(ImmutableArray<TypeDefinitionHandle> type) => None;

        public ImmutableArray<TypeDefinitionHandle> GetSystemType() => None;

        public bool IsSystemType(ImmutableArray<TypeDefinitionHandle> type) => false;
    }
}
