using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Distill.Contracts.Events;
using Distill.Contracts.Manifests;
using Distill.Contracts.Methods;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;

namespace Distill.Contracts.Tests;

/// <summary>The conventions of the one JSON context, checked over every type it holds so a new type cannot break them silently.</summary>
public sealed class ContractsJsonContextTests
{
    /// <summary>The documents users write.</summary>
    private static readonly Type[] s_userDocuments = [typeof(PipelineManifest), typeof(MethodOptions)];

    /// <summary>The messages and documents Distill writes for itself.</summary>
    private static readonly Type[] s_machineDocuments =
    [
        typeof(RunStageCommand), typeof(RunState), typeof(CloudEventEnvelope), typeof(RunAccepted), typeof(StageStarted),
        typeof(StageProgressed), typeof(StageCompleted), typeof(StageFailed), typeof(PipelineCompleted), typeof(PipelineFailed),
    ];

    private static HashSet<Type> Reachable(IEnumerable<Type> roots)
    {
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>(roots);
        while (pending.TryPop(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (!seen.Add(type) || type.IsPrimitive || type == typeof(string) || type == typeof(JsonElement))
            {
                continue;
            }
            var info = ContractsJsonContext.Default.GetTypeInfo(type);
            Assert.NotNull(info);
            foreach (var property in info.Properties)
            {
                pending.Push(property.PropertyType);
            }
            if (info.ElementType is { } element)
            {
                pending.Push(element);
            }
        }
        return seen;
    }

    private static IEnumerable<JsonTypeInfo> Objects(IEnumerable<Type> types) =>
        types.Select(t => ContractsJsonContext.Default.GetTypeInfo(t)!).Where(i => i.Kind == JsonTypeInfoKind.Object);

    [Fact]
    public void EveryEnum_HasKebabCaseWireNames()
    {
        var enums = Reachable([.. s_userDocuments, .. s_machineDocuments]).Where(t => t.IsEnum).ToList();

        Assert.Equal(
            ["InvalidRecordAction", "RunStatus", "StageStatus", "StudentInit", "TextDocumentsMode", "TrainingDevice"],
            enums.Select(e => e.Name).Order(StringComparer.Ordinal));
        foreach (var type in enums)
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                var name = field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name;
                Assert.True(name is not null, $"{type.Name}.{field.Name} has no JsonStringEnumMemberName");
                Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", name);
                Assert.Equal($"\"{name}\"", JsonSerializer.Serialize(field.GetValue(null), ContractsJsonContext.Default.GetTypeInfo(type)!));
            }
        }
    }

    [Fact]
    public void UserDocuments_RejectUnknownMembers_AndMachineDocumentsSkipThem()
    {
        var user = Objects(Reachable(s_userDocuments)).ToList();
        var machine = Objects(Reachable(s_machineDocuments)).ToList();

        Assert.All(user, info => Assert.True(
            (info.UnmappedMemberHandling ?? info.Options.UnmappedMemberHandling) == JsonUnmappedMemberHandling.Disallow, info.Type.Name));
        Assert.All(machine, info => Assert.True(info.UnmappedMemberHandling == JsonUnmappedMemberHandling.Skip, info.Type.Name));
        Assert.Empty(user.Select(i => i.Type).Intersect(machine.Select(i => i.Type)));
    }

    [Fact]
    public void UserDocuments_LeftEmpty_KeepEveryDefault()
    {
        // Guards against dotnet/runtime#84484: an init-only property with an initializer is reset to default(T).
        var types = Objects(Reachable(s_userDocuments)).Where(i => i.Type.GetConstructor(Type.EmptyTypes) is not null).ToList();

        Assert.True(types.Count >= 10, $"only {types.Count} types");
        foreach (var info in types)
        {
            var defaults = Activator.CreateInstance(info.Type);
            var read = JsonSerializer.Deserialize("{}", info);

            Assert.Equal(JsonSerializer.Serialize(defaults, info), JsonSerializer.Serialize(read, info));
        }
    }

    [Fact]
    public void PropertyNames_AreCamelCase_ExceptTheCloudEventsAttributes()
    {
        foreach (var info in Objects(Reachable([.. s_userDocuments, .. s_machineDocuments])))
        {
            var pattern = info.Type == typeof(CloudEventEnvelope) ? "^[a-z0-9]+$" : "^[a-z][a-zA-Z0-9]*$";
            Assert.All(info.Properties, p => Assert.Matches(pattern, p.Name));
        }
    }

    [Fact]
    public void TheContractsAssembly_HasOneJsonContext()
    {
        var contexts = typeof(ContractsJsonContext).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(JsonSerializerContext)));

        Assert.Equal([typeof(ContractsJsonContext)], contexts);
    }

    [Fact]
    public void Indented_WritesTheSameContractIndented()
    {
        var options = new MethodOptions { Name = MethodNames.Kd, Temperature = 2 };

        var compact = JsonSerializer.Serialize(options, ContractsJsonContext.Default.MethodOptions);
        var indented = JsonSerializer.Serialize(options, ContractsJsonContext.Indented.MethodOptions);

        Assert.Equal("""{"name":"kd","temperature":2}""", compact);
        Assert.Equal("{\n  \"name\": \"kd\",\n  \"temperature\": 2\n}", indented.ReplaceLineEndings("\n"));
        Assert.Same(ContractsJsonContext.Indented, ContractsJsonContext.Indented);
    }
}
