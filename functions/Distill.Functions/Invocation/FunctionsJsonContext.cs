using System.Text.Json.Serialization;

namespace Distill.Functions.Invocation;

/// <summary>The app's JSON: the invocation response with PascalCase keys (<c>Outputs</c>, <c>Logs</c>, <c>ReturnValue</c>), as the host reads it.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(InvocationResponse))]
internal sealed partial class FunctionsJsonContext : JsonSerializerContext;
