using System.Text.Json;

namespace Distill.Functions.Invocation;

/// <summary>
/// The body of the app's answer to the host: output binding values by binding name (none here: the handlers send
/// through the bus), lines for the invocation's log, and the value of a <c>$return</c> binding (none).
/// </summary>
internal sealed record InvocationResponse(IReadOnlyDictionary<string, JsonElement> Outputs, IReadOnlyList<string> Logs, JsonElement? ReturnValue)
{
    /// <summary>No outputs and no return value; only log lines.</summary>
    public static InvocationResponse WithLogs(IReadOnlyList<string> logs) => new(new Dictionary<string, JsonElement>(), logs, null);
}
