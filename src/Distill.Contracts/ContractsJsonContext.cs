using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Distill.Contracts.Events;
using Distill.Contracts.Manifests;
using Distill.Contracts.Methods;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;

namespace Distill.Contracts;

/// <summary>
/// The one source-generated JSON contract of every Distill document and message. Conventions:
/// <list type="bullet">
/// <item>Property names are camelCase (the CloudEvents envelope's attributes are lowercase, as the specification has them).</item>
/// <item>Enums are strings, kebab-case like every other name Distill writes (<c>teacher-layers</c>, <c>ted-teacher-filters</c>):
/// each member carries its wire name in <see cref="JsonStringEnumMemberNameAttribute"/>.</item>
/// <item>Null members are left out when writing. Nullable annotations are respected: a null where the type says non-null is an error.</item>
/// <item>Unknown members are errors (documents users write must not lose a misspelt field); the messages and documents
/// Distill writes for itself (commands, run state, events) skip them, so an older reader accepts a newer writer's additions.</item>
/// <item>Duplicate members are errors. Non-finite numbers are written as the strings <c>"NaN"</c>, <c>"Infinity"</c>,
/// <c>"-Infinity"</c> (a diverged loss must still be reportable); the manifest's validation rejects them.</item>
/// <item><see cref="Default"/> writes compact JSON with the serializer's default escaping (messages, events);
/// <see cref="Indented"/> writes the documents people read (pipeline.json, state.json), indented and with non-ASCII
/// text and quotes unescaped.</item>
/// </list>
/// A type whose properties have initializers uses settable properties, not init-only ones: source generation resets an
/// init-only property the document leaves out to default(T) (dotnet/runtime#84484).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(PipelineManifest))]
[JsonSerializable(typeof(MethodOptions))]
[JsonSerializable(typeof(RunStageCommand))]
[JsonSerializable(typeof(StageError))]
[JsonSerializable(typeof(RunState))]
[JsonSerializable(typeof(CloudEventEnvelope))]
[JsonSerializable(typeof(IReadOnlyList<CloudEventEnvelope>))]
[JsonSerializable(typeof(RunAccepted))]
[JsonSerializable(typeof(StageStarted))]
[JsonSerializable(typeof(StageProgressed))]
[JsonSerializable(typeof(StageCompleted))]
[JsonSerializable(typeof(StageFailed))]
[JsonSerializable(typeof(PipelineCompleted))]
[JsonSerializable(typeof(PipelineFailed))]
public sealed partial class ContractsJsonContext : JsonSerializerContext
{
    private static ContractsJsonContext? s_indented;

    /// <summary>The same contract, writing indented JSON.</summary>
    public static ContractsJsonContext Indented =>
        s_indented ??= new ContractsJsonContext(new JsonSerializerOptions(Default.Options)
        {
            WriteIndented = true,
            // Not embedded in HTML: write "‖", "≥" and apostrophes as they are.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
}
